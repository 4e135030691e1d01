//! Primary rays, as Brayns 3.10.1 sets up its OSPRay cameras.
//!
//! `brayns/engine/camera/Camera.cpp` turns the view into OSPRay's `position`, `direction`
//! (target - position, normalized) and `up` (re-orthogonalized:
//! `cross(cross(direction, up), direction)`), and passes the near clip, the aspect
//! (width / height of the frame) and the image region. OSPRay's cameras then map a pixel's
//! screen position `s` in [0, 1]² (row 0 of the framebuffer at s.y near 0) through the region,
//! `s' = start + s * (end - start)` (`Camera_subRegion`), and build the ray from `s'`:
//! - perspective (`PerspectiveCamera.cpp`): through an image plane at distance 1 whose height
//!   is `2 tan(fovy / 2)` and width that times the aspect, centred on the direction;
//! - orthographic (`OrthographicCamera.cpp`): parallel rays from a `height × height * aspect`
//!   rectangle centred on the position;
//! - cylindric (the CylindricCamera plugin, `OsprayCylindricCamera.ispc` before it moved to
//!   BBP's OSPRay fork): 180 degrees around the up axis across the width (angle `-π s'.x`),
//!   and `2 tan(fovy / 2)` of height at unit distance from that axis, whatever the aspect.
//!
//! Rays start at the near clip distance along their unit direction. Brayns' default region
//! is start (0, 1), end (1, 0): flipping y makes the framebuffer's row 0 the top of the view,
//! so the encoded image has the camera's up at its top and pixel (0, 0) at its top left.

use glam::DVec3;

/// The projection and its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Projection {
    /// `fovy` in degrees; the aperture (depth of field) is not modelled.
    Perspective { fovy: f64 },
    /// `height` of the view in world units.
    Orthographic { height: f64 },
    /// `fovy` in degrees.
    Cylindric { fovy: f64 },
}

/// Everything that places a picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Camera {
    pub(crate) projection: Projection,
    pub(crate) position: DVec3,
    pub(crate) target: DVec3,
    pub(crate) up: DVec3,
    pub(crate) near_clip: f64,
    /// Image region start and end, normalized.
    pub(crate) region: [[f64; 2]; 2],
}

/// A camera ready to make the rays of one frame.
pub(crate) struct Rays {
    projection: Projection,
    origin: DVec3,
    forward: DVec3,
    right: DVec3,
    up: DVec3,
    aspect: f64,
    near: f64,
    start: [f64; 2],
    end: [f64; 2],
    width: f64,
    height: f64,
    /// `2 tan(fovy / 2)`: the image plane's height at unit distance (perspective, cylindric).
    plane_height: f64,
}

/// A primary ray: unit direction, starting at `t_min`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ray {
    pub(crate) origin: DVec3,
    pub(crate) direction: DVec3,
    pub(crate) t_min: f64,
}

impl Camera {
    /// The rays of a `width`×`height` frame, or `None` for a view the engine refuses
    /// (position on the target, zero up, up along the direction).
    pub(crate) fn rays(&self, width: u32, height: u32) -> Option<Rays> {
        let forward = (self.target - self.position).try_normalize()?;
        let right = forward.cross(self.up).try_normalize()?;
        let up = right.cross(forward);
        let fovy = match self.projection {
            Projection::Perspective { fovy } | Projection::Cylindric { fovy } => fovy,
            Projection::Orthographic { .. } => 0.0,
        };
        Some(Rays {
            plane_height: 2.0 * (fovy.to_radians() * 0.5).tan(),
            projection: self.projection,
            origin: self.position,
            forward,
            right,
            up,
            aspect: f64::from(width) / f64::from(height.max(1)),
            near: self.near_clip.max(0.0),
            start: self.region[0],
            end: self.region[1],
            width: f64::from(width),
            height: f64::from(height),
        })
    }
}

impl Rays {
    /// The ray through the centre of pixel (`x`, `y`), `y` counted from the first row of the
    /// encoded image.
    pub(crate) fn ray(&self, x: u32, y: u32) -> Ray {
        self.ray_at([
            (f64::from(x) + 0.5) / self.width,
            (f64::from(y) + 0.5) / self.height,
        ])
    }

    /// The ray through the normalized screen position `screen`, before the image region
    /// (what OSPRay's pick receives: (0, 0) is where the framebuffer's row 0 and column 0
    /// start, so the top left of the encoded image under Brayns' default region). Positions
    /// outside [0, 1]² extrapolate.
    pub(crate) fn ray_at(&self, screen: [f64; 2]) -> Ray {
        let s = [
            self.start[0] + screen[0] * (self.end[0] - self.start[0]),
            self.start[1] + screen[1] * (self.end[1] - self.start[1]),
        ];
        let (origin, direction) = match self.projection {
            Projection::Perspective { .. } => {
                let plane_height = self.plane_height;
                let plane_width = plane_height * self.aspect;
                let direction = self.forward
                    + self.right * (plane_width * (s[0] - 0.5))
                    + self.up * (plane_height * (s[1] - 0.5));
                (self.origin, direction.normalize())
            }
            Projection::Orthographic { height } => {
                let origin = self.origin
                    + self.right * (height * self.aspect * (s[0] - 0.5))
                    + self.up * (height * (s[1] - 0.5));
                (origin, self.forward)
            }
            Projection::Cylindric { .. } => {
                let plane_height = self.plane_height;
                let angle = -std::f64::consts::PI * s[0];
                let local = DVec3::new(-angle.cos(), plane_height * (s[1] - 0.5), angle.sin());
                let direction = self.right * local.x + self.up * local.y - self.forward * local.z;
                (self.origin, direction.normalize())
            }
        };
        Ray {
            origin,
            direction,
            t_min: self.near,
        }
    }
}
