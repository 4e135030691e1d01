//! Axis-aligned bounds as Brayns keeps them (`brayns/engine/components/Bounds.cpp`): an empty
//! box is min = +FLT_MAX, max = -FLT_MAX (what a light, a clipping geometry, a plane or an
//! empty scene reports), and an instance's bounds follow its transform
//! (`brayns/engine/model/ModelInstance.cpp`, `brayns/utils/MathTypes.h`).

use serde_json::{Value, json};

use crate::picture::shapes::Shape;

/// A non-empty box: (min, max).
pub(super) type Aabb = ([f64; 3], [f64; 3]);

/// The largest `float`, what an empty box starts from.
const FLT_MAX: f64 = f32::MAX as f64;

/// The JSON of `bounds` (`None`: the empty box).
pub(super) fn to_json(bounds: Option<Aabb>) -> Value {
    match bounds {
        Some((min, max)) => json!({"max": max, "min": min}),
        None => json!({"max": [-FLT_MAX, -FLT_MAX, -FLT_MAX], "min": [FLT_MAX, FLT_MAX, FLT_MAX]}),
    }
}

/// Reads `{"min": [..], "max": [..]}`; `None` when absent or empty (a min above its max).
pub(super) fn from_json(bounds: &Value) -> Option<Aabb> {
    let vector = |key: &str| -> Option<[f64; 3]> {
        let items = bounds.get(key)?.as_array()?;
        Some([
            items.first()?.as_f64()?,
            items.get(1)?.as_f64()?,
            items.get(2)?.as_f64()?,
        ])
    };
    let (min, max) = (vector("min")?, vector("max")?);
    (0..3)
        .all(|axis| min[axis] <= max[axis])
        .then_some((min, max))
}

/// The smallest box holding both.
pub(super) fn union(a: Option<Aabb>, b: Option<Aabb>) -> Option<Aabb> {
    match (a, b) {
        (None, other) | (other, None) => other,
        (Some((a_min, a_max)), Some((b_min, b_max))) => Some((
            std::array::from_fn(|axis| a_min[axis].min(b_min[axis])),
            std::array::from_fn(|axis| a_max[axis].max(b_max[axis])),
        )),
    }
}

/// The box of `points` (`None` when there are none).
pub(super) fn of_points(points: impl IntoIterator<Item = [f64; 3]>) -> Option<Aabb> {
    points
        .into_iter()
        .fold(None, |bounds, point| union(bounds, Some((point, point))))
}

/// A model transform: translation, rotation (quaternion x, y, z, w) and scale. Points map as
/// translation + rotation(scale * point), the affine `TransformMatrix` builds.
pub(super) struct Transform {
    translation: [f64; 3],
    rotation: [[f64; 3]; 3],
    scale: [f64; 3],
}

impl Transform {
    /// Reads the `transform` JSON of a model (missing parts are the identity's).
    pub(super) fn from_json(transform: &Value) -> Transform {
        let vector = |key: &str, default: f64| -> [f64; 3] {
            let items = transform.get(key).and_then(Value::as_array);
            std::array::from_fn(|axis| {
                items
                    .and_then(|items| items.get(axis))
                    .and_then(Value::as_f64)
                    .unwrap_or(default)
            })
        };
        let quaternion: [f64; 4] = {
            let items = transform.get("rotation").and_then(Value::as_array);
            std::array::from_fn(|i| {
                items
                    .and_then(|items| items.get(i))
                    .and_then(Value::as_f64)
                    .unwrap_or(if i == 3 { 1.0 } else { 0.0 })
            })
        };
        Transform {
            translation: vector("translation", 0.0),
            rotation: rotation_matrix(quaternion),
            scale: vector("scale", 1.0),
        }
    }

    /// The same transform as glam's affine map (what pictures place their models with).
    pub(super) fn affine(&self) -> glam::DAffine3 {
        let column = |j: usize| {
            let [x, y, z] = [0, 1, 2].map(|i| self.rotation[i][j]);
            glam::DVec3::new(x, y, z) * self.scale[j]
        };
        glam::DAffine3 {
            matrix3: glam::DMat3::from_cols(column(0), column(1), column(2)),
            translation: glam::DVec3::from_array(self.translation),
        }
    }

    pub(super) fn point(&self, point: [f64; 3]) -> [f64; 3] {
        let scaled: [f64; 3] = std::array::from_fn(|axis| point[axis] * self.scale[axis]);
        std::array::from_fn(|row| {
            self.translation[row]
                + (0..3)
                    .map(|column| self.rotation[row][column] * scaled[column])
                    .sum::<f64>()
        })
    }

    /// Whether the rotation is anything but the identity. Without one (translation and scale
    /// only) the box of a box's transformed corners is exactly the transformed box, so the
    /// corner method of [`Transform::bounds`] matches the per-primitive one.
    pub(super) fn is_rotated(&self) -> bool {
        (0..3)
            .any(|row| (0..3).any(|column| self.rotation[row][column] != f64::from(row == column)))
    }

    /// The world bounds of `add-*` primitives the way Brayns computes them: each primitive's
    /// own points go through the transform (`GeometryTraits<T>::computeBounds` in
    /// `brayns/engine/geometry/types/*.cpp`, joined by `GenericBoundsSystem.h`). A sphere sends
    /// only two points, center - radius and center + radius (`Sphere.cpp`); a capsule those two
    /// for each end (`Capsule.cpp`); a box and a bounded plane's box their 8 corners
    /// (`Box.cpp`, `BoundedPlane.cpp`, `TransformMatrix::transformBounds`); a plane nothing
    /// (`Plane.cpp`). `None` when no primitive has bounds.
    pub(super) fn primitive_bounds(&self, shapes: &[Shape]) -> Option<Aabb> {
        let mut world = None;
        for shape in shapes {
            let part = match *shape {
                Shape::Sphere { center, radius } => {
                    let (center, radius) = (center.to_array(), radius);
                    of_points([
                        self.point(center.map(|value| value - radius)),
                        self.point(center.map(|value| value + radius)),
                    ])
                }
                Shape::Capsule { p0, r0, p1, r1 } => {
                    let (p0, p1) = (p0.to_array(), p1.to_array());
                    of_points([
                        self.point(p0.map(|value| value - r0)),
                        self.point(p0.map(|value| value + r0)),
                        self.point(p1.map(|value| value - r1)),
                        self.point(p1.map(|value| value + r1)),
                    ])
                }
                Shape::Box { min, max } | Shape::BoundedPlane { min, max, .. } => {
                    self.bounds(Some((min.to_array(), max.to_array())))
                }
                Shape::Plane { .. } => None,
            };
            world = union(world, part);
        }
        world
    }

    /// The box of the 8 transformed corners of `bounds` (rkcommon's `xfmBounds`).
    pub(super) fn bounds(&self, bounds: Option<Aabb>) -> Option<Aabb> {
        let (min, max) = bounds?;
        of_points((0..8).map(|corner| {
            let pick = |axis: usize| {
                if corner >> axis & 1 == 0 {
                    min[axis]
                } else {
                    max[axis]
                }
            };
            self.point([pick(0), pick(1), pick(2)])
        }))
    }
}

/// The rotation matrix of a quaternion (x, y, z, w), normalized first (a zero quaternion is the
/// identity).
fn rotation_matrix([x, y, z, w]: [f64; 4]) -> [[f64; 3]; 3] {
    let norm = (x * x + y * y + z * z + w * w).sqrt();
    if norm == 0.0 || !norm.is_finite() {
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    }
    let (x, y, z, w) = (x / norm, y / norm, z / norm, w / norm);
    [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            1.0 - 2.0 * (x * x + y * y),
        ],
    ]
}

#[cfg(test)]
mod tests {
    use super::Transform;
    use serde_json::json;

    #[test]
    fn the_affine_form_maps_points_as_the_transform_does() {
        let half = std::f64::consts::FRAC_1_SQRT_2;
        let transform = Transform::from_json(&json!({
            "translation": [1.0, -2.0, 3.0],
            "rotation": [0.0, 0.0, half, half],
            "scale": [2.0, 0.5, 3.0],
        }));
        let affine = transform.affine();
        for point in [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [-4.0, 0.5, 7.0]] {
            let expected = transform.point(point);
            let actual = affine.transform_point3(glam::DVec3::from_array(point));
            for axis in 0..3 {
                assert!(
                    (actual[axis] - expected[axis]).abs() < 1e-12,
                    "{actual} {expected:?}"
                );
            }
        }
    }
}
