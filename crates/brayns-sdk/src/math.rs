//! Vectors, rotations, bounds and transforms, in Brayns' conventions.
//!
//! Vectors and quaternions are [`glam`]'s double-precision types, re-exported here
//! ([`DVec3`], [`DQuat`]...). They convert to and from the generated bindings' fields with
//! `From`/`Into`: a `[f64; 3]` (a position, a scale) is a [`DVec3`], a `[f64; 4]` rotation
//! (Brayns writes quaternions `x, y, z, w`) is a [`DQuat`]:
//!
//! ```
//! use brayns_sdk::math::{Angle, DQuat, DVec3, axis, euler};
//!
//! let position: DVec3 = [1.0, 2.0, 3.0].into();
//! let field: [f64; 3] = (position * 2.0).into();
//! assert_eq!(field, [2.0, 4.0, 6.0]);
//!
//! // A quarter turn around Y takes the front axis to the right one.
//! let rotation = euler(Angle::ZERO, Angle::degrees(90.0), Angle::ZERO);
//! assert!((rotation * axis::FRONT).abs_diff_eq(axis::RIGHT, 1e-12));
//! let field: [f64; 4] = rotation.into();
//! assert_eq!(DQuat::from_array(field), rotation);
//! ```
//!
//! Brayns' world is right-handed: X points right, Y up and Z out of the screen, towards
//! whoever looks at the front view ([`axis`]). Angles are [`Angle`]s, so degrees and
//! radians cannot be confused.

use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

pub use glam::{self, DAffine3, DMat3, DMat4, DQuat, DVec2, DVec3, DVec4, EulerRot};

use crate::compat::{field, wrap};
use crate::{Brayns, Result, types};

/// The axes of Brayns' world, named by what they are for the front view.
pub mod axis {
    use super::DVec3;

    /// X: to the right of the front view.
    pub const RIGHT: DVec3 = DVec3::X;
    /// -X.
    pub const LEFT: DVec3 = DVec3::NEG_X;
    /// Y: up.
    pub const UP: DVec3 = DVec3::Y;
    /// -Y.
    pub const DOWN: DVec3 = DVec3::NEG_Y;
    /// Z: out of the screen, towards the camera of the front view.
    pub const FRONT: DVec3 = DVec3::Z;
    /// -Z: into the screen, where the camera of the front view looks.
    pub const BACK: DVec3 = DVec3::NEG_Z;
}

/// An angle, made from degrees or radians and read back in either.
///
/// ```
/// use brayns_sdk::math::Angle;
///
/// let right = Angle::degrees(90.0);
/// assert_eq!(right.to_radians(), std::f64::consts::FRAC_PI_2);
/// assert_eq!((right * 2.0).to_degrees(), 180.0);
/// ```
///
/// The value is kept in the unit it was given in, so an angle set in degrees goes back to
/// the server (which takes degrees) exactly as written: `Angle::degrees(30.0).to_degrees()`
/// is `30.0`, not `29.999999999999996`. Comparisons and arithmetic work across units.
#[derive(Debug, Clone, Copy, Default)]
pub struct Angle {
    value: f64,
    unit: Unit,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Unit {
    #[default]
    Radians,
    Degrees,
}

impl Angle {
    /// No rotation.
    pub const ZERO: Self = Self::radians(0.0);
    /// A half turn.
    pub const HALF_TURN: Self = Self::radians(std::f64::consts::PI);

    /// An angle of `radians` radians.
    pub const fn radians(radians: f64) -> Self {
        Self {
            value: radians,
            unit: Unit::Radians,
        }
    }

    /// An angle of `degrees` degrees.
    pub const fn degrees(degrees: f64) -> Self {
        Self {
            value: degrees,
            unit: Unit::Degrees,
        }
    }

    /// The angle in radians.
    pub fn to_radians(self) -> f64 {
        match self.unit {
            Unit::Radians => self.value,
            Unit::Degrees => self.value.to_radians(),
        }
    }

    /// The angle in degrees.
    pub fn to_degrees(self) -> f64 {
        match self.unit {
            Unit::Radians => self.value.to_degrees(),
            Unit::Degrees => self.value,
        }
    }

    /// `self` with `value` mapped, in the same unit.
    fn map(self, value: impl FnOnce(f64) -> f64) -> Self {
        Self {
            value: value(self.value),
            unit: self.unit,
        }
    }

    /// `other` in `self`'s unit.
    fn value_of(self, other: Angle) -> f64 {
        match self.unit {
            Unit::Radians => other.to_radians(),
            Unit::Degrees => other.to_degrees(),
        }
    }
}

impl PartialEq for Angle {
    fn eq(&self, other: &Self) -> bool {
        self.value == self.value_of(*other)
    }
}

impl PartialOrd for Angle {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.value.partial_cmp(&self.value_of(*other))
    }
}

impl fmt::Display for Angle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}°", self.to_degrees())
    }
}

impl Neg for Angle {
    type Output = Self;
    fn neg(self) -> Self {
        self.map(|value| -value)
    }
}

impl Add for Angle {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        let other = self.value_of(other);
        self.map(|value| value + other)
    }
}

impl Sub for Angle {
    type Output = Self;
    fn sub(self, other: Self) -> Self {
        let other = self.value_of(other);
        self.map(|value| value - other)
    }
}

impl Mul<f64> for Angle {
    type Output = Self;
    fn mul(self, factor: f64) -> Self {
        self.map(|value| value * factor)
    }
}

impl Div<f64> for Angle {
    type Output = Self;
    fn div(self, divisor: f64) -> Self {
        self.map(|value| value / divisor)
    }
}

/// The rotation by Euler angles as Brayns' clients take them: around X by `x`, then around
/// the world's Y by `y`, then around the world's Z by `z` (extrinsic X, Y, Z; the same
/// rotation as intrinsic Z, Y', X'').
pub fn euler(x: Angle, y: Angle, z: Angle) -> DQuat {
    DQuat::from_rotation_z(z.to_radians())
        * DQuat::from_rotation_y(y.to_radians())
        * DQuat::from_rotation_x(x.to_radians())
}

/// The Euler angles `[x, y, z]` of `rotation` in the order of [`euler`], with `y` in
/// [-90°, 90°] and `x`, `z` in [-180°, 180°].
pub fn euler_angles(rotation: DQuat) -> [Angle; 3] {
    let (z, y, x) = rotation.normalize().to_euler(EulerRot::ZYX);
    [Angle::radians(x), Angle::radians(y), Angle::radians(z)]
}

/// The rotation by `angle` around `axis` (any length but zero), counterclockwise when the
/// axis points at the viewer. `None` when the axis is zero or not finite.
pub fn axis_angle(axis: DVec3, angle: Angle) -> Option<DQuat> {
    let axis = axis.try_normalize()?;
    Some(DQuat::from_axis_angle(axis, angle.to_radians()))
}

/// The shortest rotation that turns the direction of `from` into that of `to` (any lengths
/// but zero). Opposite directions give a half turn around an axis normal to both. `None`
/// when a vector is zero or not finite.
pub fn rotation_between(from: DVec3, to: DVec3) -> Option<DQuat> {
    Some(DQuat::from_rotation_arc(
        from.try_normalize()?,
        to.try_normalize()?,
    ))
}

/// `point` rotated by `rotation` around `center`.
pub fn rotate_around(rotation: DQuat, point: DVec3, center: DVec3) -> DVec3 {
    center + rotation * (point - center)
}

/// A side to look at something from, relative to the front view (camera on +Z looking
/// towards -Z, Y up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// From +Z: the front view itself.
    Front,
    /// From -Z.
    Back,
    /// From +Y, above.
    Top,
    /// From -Y, below.
    Bottom,
    /// From +X.
    Right,
    /// From -X.
    Left,
}

impl Side {
    /// Every side.
    pub const ALL: [Self; 6] = [
        Self::Front,
        Self::Back,
        Self::Top,
        Self::Bottom,
        Self::Right,
        Self::Left,
    ];

    /// The rotation around the target that takes a front-view camera to this side
    /// ([`View::rotate_around_target`](crate::camera::View::rotate_around_target)).
    pub fn camera_rotation(self) -> DQuat {
        let quarter = Angle::degrees(90.0);
        match self {
            Self::Front => DQuat::IDENTITY,
            Self::Back => euler(Angle::ZERO, Angle::HALF_TURN, Angle::ZERO),
            Self::Top => euler(-quarter, Angle::ZERO, Angle::ZERO),
            Self::Bottom => euler(quarter, Angle::ZERO, Angle::ZERO),
            Self::Right => euler(Angle::ZERO, quarter, Angle::ZERO),
            Self::Left => euler(Angle::ZERO, -quarter, Angle::ZERO),
        }
    }

    /// The rotation of a model that shows this side of it to a front-view camera: the
    /// inverse of [`camera_rotation`](Self::camera_rotation).
    pub fn model_rotation(self) -> DQuat {
        self.camera_rotation().inverse()
    }
}

/// An axis-aligned box, `min` to `max`: what Brayns reports as a model's or the scene's
/// bounds.
///
/// ```
/// use brayns_sdk::math::{Bounds, DVec3};
///
/// let a = Bounds::new(DVec3::ZERO, DVec3::ONE);
/// let b = Bounds::new(DVec3::splat(-1.0), DVec3::new(0.5, 0.5, 0.5));
/// let both = a.union(&b);
/// assert_eq!(both.size(), DVec3::splat(2.0));
/// assert_eq!(both.center(), DVec3::ZERO);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bounds {
    /// The corner with the smallest coordinates (bottom, back, left).
    pub min: DVec3,
    /// The corner with the largest coordinates (top, front, right).
    pub max: DVec3,
}

impl Bounds {
    /// A box of size 1 centered on the origin.
    pub const UNIT: Self = Self {
        min: DVec3::splat(-0.5),
        max: DVec3::splat(0.5),
    };

    /// The box from `min` to `max`, taken as given (see [`is_valid`](Self::is_valid)).
    pub const fn new(min: DVec3, max: DVec3) -> Self {
        Self { min, max }
    }

    /// The smallest box holding every point; `None` for no points.
    pub fn of_points(points: impl IntoIterator<Item = DVec3>) -> Option<Self> {
        points
            .into_iter()
            .map(|point| Self::new(point, point))
            .reduce(|a, b| a.union(&b))
    }

    /// The smallest box holding every box (their union); `None` for no boxes.
    pub fn union_all(boxes: impl IntoIterator<Item = Self>) -> Option<Self> {
        boxes.into_iter().reduce(|a, b| a.union(&b))
    }

    /// The smallest box holding both.
    pub fn union(&self, other: &Self) -> Self {
        Self::new(self.min.min(other.min), self.max.max(other.max))
    }

    /// Whether `min <= max` on every axis (an empty box, a point, is valid).
    pub fn is_valid(&self) -> bool {
        self.min.cmple(self.max).all()
    }

    /// The center.
    pub fn center(&self) -> DVec3 {
        (self.min + self.max) / 2.0
    }

    /// The size: width (X), height (Y), depth (Z).
    pub fn size(&self) -> DVec3 {
        self.max - self.min
    }

    /// The size along X.
    pub fn width(&self) -> f64 {
        self.size().x
    }

    /// The size along Y.
    pub fn height(&self) -> f64 {
        self.size().y
    }

    /// The size along Z.
    pub fn depth(&self) -> f64 {
        self.size().z
    }

    /// Whether `point` is inside or on the box.
    pub fn contains(&self, point: DVec3) -> bool {
        self.min.cmple(point).all() && point.cmple(self.max).all()
    }

    /// The eight corners.
    pub fn corners(&self) -> [DVec3; 8] {
        let (a, b) = (self.min, self.max);
        [
            a,
            DVec3::new(a.x, a.y, b.z),
            DVec3::new(a.x, b.y, a.z),
            DVec3::new(a.x, b.y, b.z),
            DVec3::new(b.x, a.y, a.z),
            DVec3::new(b.x, a.y, b.z),
            DVec3::new(b.x, b.y, a.z),
            b,
        ]
    }

    /// The box moved by `translation`.
    pub fn translate(&self, translation: DVec3) -> Self {
        Self::new(self.min + translation, self.max + translation)
    }

    /// The axis-aligned box holding this one rotated by `rotation` around `center`.
    pub fn rotate(&self, rotation: DQuat, center: DVec3) -> Self {
        self.map_corners(|corner| rotate_around(rotation, corner, center))
    }

    /// The axis-aligned box holding this one transformed by `transform`.
    pub fn transform(&self, transform: &Transform) -> Self {
        self.map_corners(|corner| transform.apply(corner))
    }

    fn map_corners(&self, map: impl Fn(DVec3) -> DVec3) -> Self {
        Self::of_points(self.corners().map(map)).unwrap_or(*self)
    }
}

impl From<types::Bounds> for Bounds {
    /// A release whose schema leaves `min` or `max` optional (3.0, 3.1) reads a missing
    /// one as the origin.
    fn from(bounds: types::Bounds) -> Self {
        let corner = |value: Option<[f64; 3]>| value.map(DVec3::from).unwrap_or_default();
        Self::new(
            corner(field::<[f64; 3]>(bounds.min)),
            corner(field::<[f64; 3]>(bounds.max)),
        )
    }
}

impl From<Bounds> for types::Bounds {
    fn from(bounds: Bounds) -> Self {
        Self {
            min: wrap(bounds.min.to_array()),
            max: wrap(bounds.max.to_array()),
        }
    }
}

/// Scale, then rotation, then translation: how Brayns places a model.
///
/// ```
/// use brayns_sdk::math::{Angle, DVec3, Transform, axis, axis_angle};
///
/// let quarter = axis_angle(axis::UP, Angle::degrees(90.0)).unwrap();
/// let transform = Transform::rotation_around(quarter, DVec3::new(1.0, 0.0, 0.0));
/// // The center stays where it is.
/// assert!(transform.apply(DVec3::X).abs_diff_eq(DVec3::X, 1e-12));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transform {
    /// Applied last.
    pub translation: DVec3,
    /// Applied after the scale.
    pub rotation: DQuat,
    /// Applied first, per axis.
    pub scale: DVec3,
}

impl Default for Transform {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl Transform {
    /// Changes nothing.
    pub const IDENTITY: Self = Self {
        translation: DVec3::ZERO,
        rotation: DQuat::IDENTITY,
        scale: DVec3::ONE,
    };

    /// A translation only.
    pub fn from_translation(translation: DVec3) -> Self {
        Self {
            translation,
            ..Self::IDENTITY
        }
    }

    /// A rotation around the origin only.
    pub fn from_rotation(rotation: DQuat) -> Self {
        Self {
            rotation,
            ..Self::IDENTITY
        }
    }

    /// A scale only.
    pub fn from_scale(scale: DVec3) -> Self {
        Self {
            scale,
            ..Self::IDENTITY
        }
    }

    /// A rotation around `center` (a rotation around the origin, then the translation that
    /// keeps `center` in place).
    pub fn rotation_around(rotation: DQuat, center: DVec3) -> Self {
        Self {
            translation: center - rotation * center,
            rotation,
            scale: DVec3::ONE,
        }
    }

    /// `point` scaled, rotated, then translated.
    pub fn apply(&self, point: DVec3) -> DVec3 {
        self.rotation * (self.scale * point) + self.translation
    }

    /// The same transform as a glam affine transform (to compose or invert it).
    pub fn to_affine(&self) -> DAffine3 {
        DAffine3::from_scale_rotation_translation(self.scale, self.rotation, self.translation)
    }
}

impl From<types::Transform> for Transform {
    /// Missing parts are the identity's.
    fn from(transform: types::Transform) -> Self {
        Self {
            translation: transform.translation.map_or(DVec3::ZERO, DVec3::from),
            rotation: transform
                .rotation
                .map_or(DQuat::IDENTITY, DQuat::from_array),
            scale: transform.scale.map_or(DVec3::ONE, DVec3::from),
        }
    }
}

impl From<Transform> for types::Transform {
    fn from(transform: Transform) -> Self {
        Self {
            translation: Some(transform.translation.to_array()),
            rotation: Some(transform.rotation.to_array()),
            scale: Some(transform.scale.to_array()),
        }
    }
}

impl Brayns {
    /// The bounds of the whole scene (`get-scene`): every model and light.
    pub async fn scene_bounds(&self) -> Result<Bounds> {
        let scene = self.get_scene().await?;
        Ok(field::<types::Bounds>(scene.bounds)
            .map(Bounds::from)
            .unwrap_or_default())
    }

    /// The bounds of the model `model_id` (`get-model`), its transform applied.
    pub async fn model_bounds(&self, model_id: u64) -> Result<Bounds> {
        let model = self
            .get_model(&types::GetModelMessage { id: model_id })
            .await?;
        Ok(field::<types::Bounds>(model.bounds)
            .map(Bounds::from)
            .unwrap_or_default())
    }
}
