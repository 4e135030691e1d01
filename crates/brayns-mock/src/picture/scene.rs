//! The scene a picture shows: models placed by their transforms, clipping models, and a
//! hierarchy over the models' world bounds, traced one ray at a time.

use std::sync::Arc;

use glam::{DAffine3, DMat3, DVec3};

use super::bvh::{Aabb, Bvh, LANES, RayBox, RayPacket};
use super::camera::Ray;
use super::shapes::{Primitives, Shape, Shapes};

/// What one model of the scene contributes.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// `add-*` geometry, drawn in its primitives' colors.
    Geometry(Arc<Shapes>),
    /// `add-clip*`: removes what it encloses (or, inverted, what it does not).
    Clipping(Arc<Shapes>),
    /// A model the mock cannot draw exactly (loaded from a file, an atlas use case): the box of
    /// its bounds, in world space, in this color.
    BoundsBox {
        min: DVec3,
        max: DVec3,
        color: [f64; 4],
    },
}

/// One visible model: what it is and where (`scale`, then `rotation`, then `translation`, as
/// Brayns' `TransformMatrix` composes them).
#[derive(Debug, Clone)]
pub(crate) struct Model {
    /// The model's id in the scene (what `inspect` reports).
    pub(crate) id: u64,
    pub(crate) part: Part,
    pub(crate) transform: DAffine3,
}

/// Where a ray stops: its distance, the world-space unit normal there (facing outwards) and
/// the primitive's color.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub(crate) t: f64,
    pub(crate) normal: DVec3,
    pub(crate) color: [f64; 4],
}

struct Placed {
    /// The id of the model these shapes belong to.
    id: u64,
    shapes: Arc<Shapes>,
    /// World to model space.
    inverse: DAffine3,
    /// Model-space normals to world space (the inverse transpose of the linear part).
    normals: DMat3,
}

impl Placed {
    fn new(id: u64, shapes: Arc<Shapes>, transform: DAffine3) -> Option<Placed> {
        if transform.matrix3.determinant().abs() < 1e-300 {
            return None;
        }
        let inverse = transform.inverse();
        Some(Placed {
            id,
            shapes,
            inverse,
            normals: inverse.matrix3.transpose(),
        })
    }

    /// The ray in model space. The direction is not renormalized, so `t` means the same in
    /// both spaces and hits of different models compare directly.
    fn local(&self, origin: DVec3, direction: DVec3) -> (DVec3, DVec3) {
        (
            self.inverse.transform_point3(origin),
            self.inverse.transform_vector3(direction),
        )
    }
}

/// A scene prepared for tracing.
pub(crate) struct Tracer {
    drawn: Vec<Placed>,
    /// Drawn models with infinite planes, tested by every ray.
    unbounded: Vec<usize>,
    bvh: Bvh,
    clippers: Vec<Placed>,
}

impl Tracer {
    pub(crate) fn new(models: &[Model]) -> Tracer {
        let mut drawn = Vec::new();
        let mut clippers = Vec::new();
        for model in models {
            match &model.part {
                Part::Geometry(shapes) if !shapes.primitives().is_empty() => {
                    drawn.extend(Placed::new(model.id, shapes.clone(), model.transform));
                }
                Part::Clipping(shapes) if !shapes.primitives().is_empty() => {
                    clippers.extend(Placed::new(model.id, shapes.clone(), model.transform));
                }
                Part::BoundsBox { min, max, color } => {
                    let shapes = Shapes::from_primitives(Primitives::new(
                        vec![Shape::Box {
                            min: *min,
                            max: *max,
                        }],
                        vec![*color],
                        false,
                    ));
                    drawn.extend(Placed::new(model.id, Arc::new(shapes), DAffine3::IDENTITY));
                }
                _ => {}
            }
        }
        let mut unbounded = Vec::new();
        let boxes: Vec<Aabb> = drawn
            .iter()
            .enumerate()
            .map(|(index, placed)| {
                if !placed.shapes.primitives().unbounded.is_empty() {
                    unbounded.push(index);
                    return Aabb::EMPTY;
                }
                world_bounds(
                    &placed.shapes.primitives().bounds,
                    &placed.inverse.inverse(),
                )
            })
            .collect();
        Tracer {
            bvh: Bvh::build(&boxes),
            drawn,
            unbounded,
            clippers,
        }
    }

    /// Whether the clipping models remove the point at `t` on the ray.
    fn clipped(&self, origin: DVec3, direction: DVec3, t: f64) -> bool {
        self.clippers.iter().any(|clipper| {
            let (origin, direction) = clipper.local(origin, direction);
            let primitives = clipper.shapes.primitives();
            primitives
                .shapes
                .iter()
                .any(|shape| shape.clips(origin, direction, t) != primitives.inverted)
        })
    }

    /// The nearest visible hit of `ray`.
    pub(crate) fn trace(&self, ray: &Ray) -> Option<Hit> {
        let (index, shape, normal, t) = self.nearest(ray)?;
        Some(self.hit(index, shape, normal, t))
    }

    /// The nearest visible hit of `ray` as picking reports it: the world position and the
    /// id of the model hit.
    pub(crate) fn nearest_hit(&self, ray: &Ray) -> Option<(DVec3, u64)> {
        let (index, _, _, t) = self.nearest(ray)?;
        Some((ray.origin + ray.direction * t, self.drawn[index].id))
    }

    /// The drawn model, its shape, the model-space normal and the distance of the nearest
    /// visible hit of `ray`.
    fn nearest(&self, ray: &Ray) -> Option<(usize, usize, DVec3, f64)> {
        let mut t_max = f64::INFINITY;
        let mut best: Option<(usize, usize, DVec3, f64)> = None;
        let clipping = |t: f64| !self.clipped(ray.origin, ray.direction, t);
        let accept: Option<&dyn Fn(f64) -> bool> = if self.clippers.is_empty() {
            None
        } else {
            Some(&clipping)
        };
        let mut test = |index: usize, t_max: &mut f64| {
            let placed = &self.drawn[index];
            let (origin, direction) = placed.local(ray.origin, ray.direction);
            if let Some((shape, crossing)) = placed
                .shapes
                .primitives()
                .nearest(origin, direction, ray.t_min, t_max, accept)
            {
                best = Some((index, shape, crossing.normal, crossing.t));
            }
        };
        for &index in &self.unbounded {
            test(index, &mut t_max);
        }
        let boxes = RayBox::new(ray.origin, ray.direction);
        self.bvh.traverse(&boxes, ray.t_min, &mut t_max, test);
        best
    }

    /// [`Tracer::trace`] for the rays of the `lanes` bits of a packet: neighbouring pixels'
    /// rays walk the hierarchies together. Each lane gets the nearest visible hit of its own
    /// ray.
    pub(crate) fn trace_packet(&self, rays: &[Ray; LANES], lanes: u32) -> [Option<Hit>; LANES] {
        let mut t_max = [f64::INFINITY; LANES];
        let mut best: [Option<(usize, usize, DVec3, f64)>; LANES] = [None; LANES];
        let mut t_min = [0.0; LANES];
        let mut origins = [DVec3::ZERO; LANES];
        let mut directions = [DVec3::ZERO; LANES];
        for lane in 0..LANES {
            t_min[lane] = rays[lane].t_min;
            origins[lane] = rays[lane].origin;
            directions[lane] = rays[lane].direction;
        }
        let clipping =
            |lane: usize, t: f64| !self.clipped(rays[lane].origin, rays[lane].direction, t);
        let accept: Option<&dyn Fn(usize, f64) -> bool> = if self.clippers.is_empty() {
            None
        } else {
            Some(&clipping)
        };
        let mut test = |index: usize, lanes: u32, t_max: &mut [f64; LANES]| {
            let placed = &self.drawn[index];
            let (mut local_origins, mut local_directions) = (origins, directions);
            for lane in 0..LANES {
                (local_origins[lane], local_directions[lane]) =
                    placed.local(origins[lane], directions[lane]);
            }
            let found = placed.shapes.primitives().nearest_packet(
                &local_origins,
                &local_directions,
                &t_min,
                t_max,
                lanes,
                accept,
            );
            for (lane, found) in found.into_iter().enumerate() {
                if let Some((shape, crossing)) = found {
                    best[lane] = Some((index, shape, crossing.normal, crossing.t));
                }
            }
        };
        for &index in &self.unbounded {
            test(index, lanes, &mut t_max);
        }
        let boxes = RayPacket::new(&origins, &directions);
        self.bvh
            .traverse_packet(&boxes, &t_min, &mut t_max, lanes, test);
        let mut hits = [None; LANES];
        for (hit, best) in hits.iter_mut().zip(best) {
            *hit = best.map(|(index, shape, normal, t)| self.hit(index, shape, normal, t));
        }
        hits
    }

    /// The hit of shape `shape` of drawn model `index` at `t`, `normal` in model space.
    fn hit(&self, index: usize, shape: usize, normal: DVec3, t: f64) -> Hit {
        let placed = &self.drawn[index];
        Hit {
            t,
            normal: (placed.normals * normal).normalize_or_zero(),
            color: placed
                .shapes
                .primitives()
                .colors
                .get(shape)
                .copied()
                .unwrap_or([1.0; 4]),
        }
    }
}

/// The world box around a model-space box under `transform`: its eight corners transformed.
fn world_bounds(local: &Aabb, transform: &DAffine3) -> Aabb {
    let mut bounds = Aabb::EMPTY;
    if local.is_empty() {
        return bounds;
    }
    for corner in 0..8 {
        let pick = |bit: usize, axis: usize| {
            if corner & bit == 0 {
                local.min[axis]
            } else {
                local.max[axis]
            }
        };
        let point = DVec3::new(pick(1, 0), pick(2, 1), pick(4, 2));
        bounds.grow_point(transform.transform_point3(point));
    }
    bounds
}
