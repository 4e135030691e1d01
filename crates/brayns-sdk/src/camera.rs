//! The camera: where it looks from ([`View`]), how it projects ([`Projection`]), and
//! [`Framing`] it on bounds so they fill the picture.
//!
//! ```
//! use brayns_sdk::camera::{Framing, Perspective};
//! use brayns_sdk::math::{Bounds, DVec3, Side};
//!
//! // A 2 x 1 x 1 box seen from above in a 16:9 picture, with a 30 degree field of view.
//! let bounds = Bounds::new(DVec3::new(-1.0, -0.5, -0.5), DVec3::new(1.0, 0.5, 0.5));
//! let camera = Framing::new(bounds)
//!     .aspect_ratio(16.0 / 9.0)
//!     .side(Side::Top)
//!     .projection(Perspective::degrees(30.0))
//!     .camera();
//! assert!(camera.view.position.y > 0.0);
//! assert_eq!(camera.view.target, DVec3::ZERO);
//! ```
//!
//! On a connection, [`Brayns::frame_scene`] and [`Brayns::frame_bounds`] do it with the
//! instance's current projection and viewport, and set the camera.

use crate::Brayns;
use crate::Result;
use crate::math::{Angle, Bounds, DQuat, DVec3, Side, axis, rotate_around, rotation_between};
use crate::types;

/// Where the camera is, what it looks at, and which way is up.
///
/// `up` needs not be normal to the direction of view, only not along it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct View {
    /// The camera's position.
    pub position: DVec3,
    /// The point it looks at.
    pub target: DVec3,
    /// The direction that appears up in the picture (projected on the picture plane).
    pub up: DVec3,
}

impl Default for View {
    fn default() -> Self {
        Self::FRONT
    }
}

impl View {
    /// The front view: from the origin towards -Z, Y up (X to the right).
    pub const FRONT: Self = Self {
        position: DVec3::ZERO,
        target: axis::BACK,
        up: axis::UP,
    };

    /// A view from `position` looking at `target`, Y up.
    pub fn look_at(position: DVec3, target: DVec3) -> Self {
        Self {
            position,
            target,
            up: axis::UP,
        }
    }

    /// The same view with another `up`.
    pub fn with_up(self, up: DVec3) -> Self {
        Self { up, ..self }
    }

    /// `target - position`.
    pub fn vector(&self) -> DVec3 {
        self.target - self.position
    }

    /// The direction of view, normalized (zero when position and target coincide).
    pub fn direction(&self) -> DVec3 {
        self.vector().normalize_or_zero()
    }

    /// The picture's right, normalized: `direction × up`.
    pub fn right(&self) -> DVec3 {
        self.direction().cross(self.up).normalize_or_zero()
    }

    /// The picture's up, normalized and normal to the direction: `right × direction`.
    pub fn real_up(&self) -> DVec3 {
        self.right().cross(self.direction())
    }

    /// The distance from the position to the target.
    pub fn distance(&self) -> f64 {
        self.vector().length()
    }

    /// The view moved along its direction to be `distance` from its target.
    pub fn with_distance(self, distance: f64) -> Self {
        Self {
            position: self.target - distance * self.direction(),
            ..self
        }
    }

    /// Position and target moved by `translation`.
    pub fn translate(self, translation: DVec3) -> Self {
        Self {
            position: self.position + translation,
            target: self.target + translation,
            up: self.up,
        }
    }

    /// The position orbited around the target by `rotation`, `up` turned with it.
    pub fn rotate_around_target(self, rotation: DQuat) -> Self {
        Self {
            position: rotate_around(rotation, self.position, self.target),
            target: self.target,
            up: rotation * self.up,
        }
    }

    /// The rotation from [`View::FRONT`]'s orientation to this one's: it turns the front
    /// view's direction and up into this view's direction and real up. `None` when the
    /// direction is zero or along `up`.
    pub fn orientation(&self) -> Option<DQuat> {
        let reference = Self::FRONT;
        let first = rotation_between(reference.direction(), self.direction())?;
        let second = rotation_between(first * reference.real_up(), self.real_up())?;
        Some(second * first)
    }
}

impl From<types::View> for View {
    fn from(view: types::View) -> Self {
        Self {
            position: view.position.into(),
            target: view.target.into(),
            up: view.up.into(),
        }
    }
}

impl From<View> for types::View {
    fn from(view: View) -> Self {
        Self {
            position: view.position.to_array(),
            target: view.target.to_array(),
            up: view.up.to_array(),
        }
    }
}

/// A perspective projection: farther is smaller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Perspective {
    /// The vertical field of view (Brayns' default: 45°).
    pub fovy: Angle,
    /// The lens' aperture radius, 0 for no depth of field.
    pub aperture_radius: f64,
    /// The distance in focus when the aperture is not zero.
    pub focus_distance: f64,
}

impl Default for Perspective {
    fn default() -> Self {
        Self {
            fovy: Angle::degrees(45.0),
            aperture_radius: 0.0,
            focus_distance: 1.0,
        }
    }
}

impl Perspective {
    /// A perspective with a vertical field of view of `fovy`.
    pub fn new(fovy: Angle) -> Self {
        Self {
            fovy,
            ..Self::default()
        }
    }

    /// A perspective with a vertical field of view of `fovy` degrees.
    pub fn degrees(fovy: f64) -> Self {
        Self::new(Angle::degrees(fovy))
    }

    /// A perspective with a vertical field of view of `fovy` radians.
    pub fn radians(fovy: f64) -> Self {
        Self::new(Angle::radians(fovy))
    }
}

/// Half of `height` over the tangent of half of `fovy`: how far a viewport of `height`
/// fills a vertical field of view of `fovy`.
fn distance_to_fill(fovy: Angle, height: f64) -> f64 {
    height / 2.0 / (fovy.to_radians() / 2.0).tan()
}

impl From<types::Perspective> for Perspective {
    /// Missing values are Brayns' defaults.
    fn from(perspective: types::Perspective) -> Self {
        let default = Self::default();
        Self {
            fovy: perspective.fovy.map_or(default.fovy, Angle::degrees),
            aperture_radius: perspective
                .aperture_radius
                .unwrap_or(default.aperture_radius),
            focus_distance: perspective.focus_distance.unwrap_or(default.focus_distance),
        }
    }
}

impl From<Perspective> for types::Perspective {
    fn from(perspective: Perspective) -> Self {
        Self {
            fovy: Some(perspective.fovy.to_degrees()),
            aperture_radius: Some(perspective.aperture_radius),
            focus_distance: Some(perspective.focus_distance),
        }
    }
}

/// An orthographic projection: the same size at any distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Orthographic {
    /// The height of the viewport in world units (its width follows the aspect ratio).
    pub height: f64,
}

impl From<types::Orthographic> for Orthographic {
    fn from(orthographic: types::Orthographic) -> Self {
        Self {
            height: orthographic.height,
        }
    }
}

impl From<Orthographic> for types::Orthographic {
    fn from(orthographic: Orthographic) -> Self {
        Self {
            height: orthographic.height,
        }
    }
}

/// The cylindric camera of the `Cylindric Camera` plugin (OpenDeck's display).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cylindric {
    /// The vertical field of view.
    pub fovy: Angle,
}

impl Cylindric {
    /// The field of view of the OpenDeck: 48.549°.
    pub fn opendeck() -> Self {
        Self {
            fovy: Angle::degrees(48.549),
        }
    }
}

impl Default for Cylindric {
    fn default() -> Self {
        Self::opendeck()
    }
}

impl From<types::Cylindric> for Cylindric {
    fn from(cylindric: types::Cylindric) -> Self {
        Self {
            fovy: cylindric.fovy.map_or(Self::opendeck().fovy, Angle::degrees),
        }
    }
}

impl From<Cylindric> for types::Cylindric {
    fn from(cylindric: Cylindric) -> Self {
        Self {
            fovy: Some(cylindric.fovy.to_degrees()),
        }
    }
}

/// How the camera projects the scene: the camera types Brayns 3 knows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Projection {
    /// `perspective`.
    Perspective(Perspective),
    /// `orthographic`.
    Orthographic(Orthographic),
    /// `cylindric` (a plugin's).
    Cylindric(Cylindric),
}

/// A projection as a per-call camera override: `Capture::new().camera(projection)`.
impl From<Projection> for types::Camera {
    fn from(projection: Projection) -> Self {
        match projection {
            Projection::Perspective(perspective) => Self::Perspective(perspective.into()),
            Projection::Orthographic(orthographic) => Self::Orthographic(orthographic.into()),
            Projection::Cylindric(cylindric) => Self::Cylindric(cylindric.into()),
        }
    }
}

impl Default for Projection {
    fn default() -> Self {
        Self::Perspective(Perspective::default())
    }
}

impl Projection {
    /// The camera type's name in Brayns (`get-camera-type`, `set-camera-<name>`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Perspective(_) => "perspective",
            Self::Orthographic(_) => "orthographic",
            Self::Cylindric(_) => "cylindric",
        }
    }

    /// Makes this projection show something `height` high in full, and returns the
    /// distance from which it does: perspectives keep their field of view and give the
    /// distance; an orthographic projection takes `height` as its own and gives 0, since
    /// distance does not change what it shows.
    pub fn fit_height(&mut self, height: f64) -> f64 {
        match self {
            Self::Perspective(perspective) => distance_to_fill(perspective.fovy, height),
            Self::Cylindric(cylindric) => distance_to_fill(cylindric.fovy, height),
            Self::Orthographic(orthographic) => {
                orthographic.height = height;
                0.0
            }
        }
    }
}

impl From<Perspective> for Projection {
    fn from(perspective: Perspective) -> Self {
        Self::Perspective(perspective)
    }
}

impl From<Orthographic> for Projection {
    fn from(orthographic: Orthographic) -> Self {
        Self::Orthographic(orthographic)
    }
}

impl From<Cylindric> for Projection {
    fn from(cylindric: Cylindric) -> Self {
        Self::Cylindric(cylindric)
    }
}

/// A view and a projection: what a camera needs to render.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Camera {
    /// Where it looks from and at.
    pub view: View,
    /// How it projects.
    pub projection: Projection,
}

/// Computes the camera that shows given bounds in full, like the official client's camera
/// controller.
///
/// The camera looks at the center of the bounds from the [`side`](Self::side) (or
/// [`rotation`](Self::rotation)) asked, from the distance where the bounds, as seen from
/// there, fill the picture of the [`aspect_ratio`](Self::aspect_ratio) asked in height
/// or in width, whichever is limiting, with their near face in view. A
/// [`translation`](Self::translation) then moves it, in the front view's axes, before the
/// rotation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Framing {
    bounds: Bounds,
    aspect_ratio: f64,
    translation: DVec3,
    rotation: DQuat,
    projection: Projection,
}

impl Framing {
    /// Framing `bounds` from the front, for a square picture, with the default perspective.
    pub fn new(bounds: Bounds) -> Self {
        Self {
            bounds,
            aspect_ratio: 1.0,
            translation: DVec3::ZERO,
            rotation: DQuat::IDENTITY,
            projection: Projection::default(),
        }
    }

    /// The picture's width over its height (for example `1920.0 / 1080.0`). Values that are
    /// not positive and finite are ignored.
    pub fn aspect_ratio(self, aspect_ratio: f64) -> Self {
        if aspect_ratio.is_finite() && aspect_ratio > 0.0 {
            Self {
                aspect_ratio,
                ..self
            }
        } else {
            self
        }
    }

    /// The aspect ratio of a picture `width` × `height` pixels.
    pub fn resolution(self, width: u64, height: u64) -> Self {
        self.aspect_ratio(width as f64 / height as f64)
    }

    /// Moves the camera (and its target) after framing, in the front view's axes: X right,
    /// Y up, Z away from the target.
    pub fn translation(self, translation: DVec3) -> Self {
        Self {
            translation,
            ..self
        }
    }

    /// Looks from this side of the bounds.
    pub fn side(self, side: Side) -> Self {
        self.rotation(side.camera_rotation())
    }

    /// Orbits the camera around the target by `rotation`, from the front view.
    pub fn rotation(self, rotation: DQuat) -> Self {
        Self { rotation, ..self }
    }

    /// The projection to frame with (an orthographic one gets the height to show).
    pub fn projection(self, projection: impl Into<Projection>) -> Self {
        Self {
            projection: projection.into(),
            ..self
        }
    }

    /// The camera.
    pub fn camera(&self) -> Camera {
        let mut projection = self.projection;
        let center = self.bounds.center();
        // The bounds as the camera sees them: turned back by the camera's rotation.
        let apparent = self.bounds.rotate(self.rotation.inverse(), center).size();
        let height = apparent.y.max(apparent.x / self.aspect_ratio);
        let distance = projection.fit_height(height) + apparent.z / 2.0;
        let view = View::look_at(center + distance * axis::FRONT, center)
            .translate(self.translation)
            .rotate_around_target(self.rotation);
        Camera { view, projection }
    }
}

impl Brayns {
    /// The current camera's view (`get-camera-view`).
    pub async fn camera_view(&self) -> Result<View> {
        Ok(self.get_camera_view().await?.into())
    }

    /// The current camera's projection (`get-camera-type`, then `get-camera-<type>`);
    /// `None` for a camera type this SDK does not know.
    pub async fn camera_projection(&self) -> Result<Option<Projection>> {
        Ok(Some(match self.get_camera_type().await?.as_str() {
            "perspective" => Projection::Perspective(self.get_camera_perspective().await?.into()),
            "orthographic" => {
                Projection::Orthographic(self.get_camera_orthographic().await?.into())
            }
            "cylindric" => Projection::Cylindric(self.get_camera_cylindric().await?.into()),
            _ => return Ok(None),
        }))
    }

    /// Makes `projection` the camera's (`set-camera-<type>`), keeping the view.
    pub async fn set_camera_projection(&self, projection: &Projection) -> Result<()> {
        match projection {
            Projection::Perspective(perspective) => {
                self.set_camera_perspective(&(*perspective).into()).await
            }
            Projection::Orthographic(orthographic) => {
                self.set_camera_orthographic(&(*orthographic).into()).await
            }
            Projection::Cylindric(cylindric) => {
                self.set_camera_cylindric(&(*cylindric).into()).await
            }
        }
    }

    /// Sets the camera's projection, then its view.
    pub async fn set_camera(&self, camera: &Camera) -> Result<()> {
        self.set_camera_projection(&camera.projection).await?;
        self.set_camera_view(&camera.view.into()).await
    }

    /// The viewport's width over its height (`get-application-parameters`); 1 when the
    /// instance does not say.
    pub async fn aspect_ratio(&self) -> Result<f64> {
        let viewport = self.get_application_parameters().await?.viewport;
        Ok(match viewport {
            Some([width, height]) if width > 0 && height > 0 => width as f64 / height as f64,
            _ => 1.0,
        })
    }

    /// Frames `bounds` from the front with the current projection (a perspective if the
    /// camera type is not one this SDK knows) and the viewport's aspect ratio, sets the
    /// camera and returns it. For another side or aspect ratio, use [`Framing`] and
    /// [`set_camera`](Self::set_camera).
    pub async fn frame_bounds(&self, bounds: Bounds) -> Result<Camera> {
        let projection = self.camera_projection().await?.unwrap_or_default();
        let camera = Framing::new(bounds)
            .aspect_ratio(self.aspect_ratio().await?)
            .projection(projection)
            .camera();
        self.set_camera(&camera).await?;
        Ok(camera)
    }

    /// Frames the whole scene ([`scene_bounds`](Self::scene_bounds)) as
    /// [`frame_bounds`](Self::frame_bounds) does.
    pub async fn frame_scene(&self) -> Result<Camera> {
        self.frame_bounds(self.scene_bounds().await?).await
    }

    /// Frames the model `model_id` ([`model_bounds`](Self::model_bounds)) as
    /// [`frame_bounds`](Self::frame_bounds) does.
    pub async fn frame_model(&self, model_id: u64) -> Result<Camera> {
        self.frame_bounds(self.model_bounds(model_id).await?).await
    }
}
