//! The primitives of `add-*` geometry and `add-clip*` clipping models, as
//! `brayns/engine/geometry/types/` defines them: spheres (center, radius), boxes (min, max),
//! capsules (p0, r0, p1, r1: OSPRay's round linear curves), planes (coefficients A, B, C, D of
//! Ax + By + Cz + D = 0) and bounded planes (a plane limited to a box). Each can be hit by a ray
//! and, for clipping, tell which side of it a point is on.

use glam::DVec3;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;
use serde_json::Value;

use super::bvh::{Aabb, Bvh, LANES, RayBox, RayPacket};

/// One primitive, in its model's space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Shape {
    Sphere {
        center: DVec3,
        radius: f64,
    },
    Box {
        min: DVec3,
        max: DVec3,
    },
    Capsule {
        p0: DVec3,
        r0: f64,
        p1: DVec3,
        r1: f64,
    },
    Plane {
        normal: DVec3,
        offset: f64,
    },
    BoundedPlane {
        normal: DVec3,
        offset: f64,
        min: DVec3,
        max: DVec3,
    },
}

/// Where a ray meets a primitive: the ray parameter and the outward unit normal there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Crossing {
    pub(crate) t: f64,
    pub(crate) normal: DVec3,
}

/// The crossings of one primitive, without allocating: at most six (a capsule: two per end
/// sphere, two on its cone).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Crossings {
    items: [Crossing; 6],
    len: usize,
}

impl Crossings {
    pub(crate) fn new() -> Crossings {
        Crossings {
            items: [Crossing {
                t: 0.0,
                normal: DVec3::ZERO,
            }; 6],
            len: 0,
        }
    }

    fn push(&mut self, crossing: Crossing) {
        if self.len < self.items.len() {
            self.items[self.len] = crossing;
            self.len += 1;
        }
    }

    pub(crate) fn as_slice(&self) -> &[Crossing] {
        &self.items[..self.len]
    }

    fn sort(&mut self) {
        self.items[..self.len].sort_unstable_by(|a, b| a.t.total_cmp(&b.t));
    }
}

impl Shape {
    /// Its bounds, as the engine computes them (a plane has none: it is infinite).
    pub(crate) fn bounds(&self) -> Aabb {
        match *self {
            Shape::Sphere { center, radius } => Aabb {
                min: center - DVec3::splat(radius),
                max: center + DVec3::splat(radius),
            },
            Shape::Box { min, max } | Shape::BoundedPlane { min, max, .. } => Aabb {
                min: min.min(max),
                max: min.max(max),
            },
            Shape::Capsule { p0, r0, p1, r1 } => {
                let mut bounds = Aabb {
                    min: p0 - DVec3::splat(r0),
                    max: p0 + DVec3::splat(r0),
                };
                bounds.grow(&Aabb {
                    min: p1 - DVec3::splat(r1),
                    max: p1 + DVec3::splat(r1),
                });
                bounds
            }
            Shape::Plane { .. } => Aabb::EMPTY,
        }
    }

    /// Every place the ray `origin + t * direction` crosses the surface, in no order.
    pub(crate) fn crossings(&self, origin: DVec3, direction: DVec3, out: &mut Crossings) {
        match *self {
            Shape::Sphere { center, radius } => sphere(center, radius, origin, direction, out),
            Shape::Box { min, max } => aabb(min.min(max), min.max(max), origin, direction, out),
            Shape::Capsule { p0, r0, p1, r1 } => capsule(p0, r0, p1, r1, origin, direction, out),
            Shape::Plane { normal, offset } => {
                if let Some(crossing) = plane(normal, offset, origin, direction) {
                    out.push(crossing);
                }
            }
            Shape::BoundedPlane {
                normal,
                offset,
                min,
                max,
            } => {
                if let Some(crossing) = plane(normal, offset, origin, direction) {
                    let point = origin + direction * crossing.t;
                    let slack = 1e-9 * (1.0 + (max - min).abs().max_element());
                    let (low, high) = (min.min(max), min.max(max));
                    if point.cmpge(low - slack).all() && point.cmple(high + slack).all() {
                        out.push(crossing);
                    }
                }
            }
        }
    }

    /// The nearest crossing in `[t_min, t_max)`, for scenes without clipping: spheres and
    /// boxes without building the list of all crossings.
    fn first_crossing(
        &self,
        origin: DVec3,
        direction: DVec3,
        t_min: f64,
        t_max: f64,
    ) -> Option<Crossing> {
        let within = |t: f64| t >= t_min && t < t_max;
        match *self {
            Shape::Sphere { center, radius } => {
                let oc = origin - center;
                let a = direction.length_squared();
                let b = oc.dot(direction);
                let c = oc.length_squared() - radius * radius;
                let discriminant = b * b - a * c;
                if discriminant < 0.0 || a == 0.0 {
                    return None;
                }
                let root = discriminant.sqrt();
                let near = (-b - root) / a;
                let t = if within(near) { near } else { (-b + root) / a };
                within(t).then(|| Crossing {
                    t,
                    normal: ((oc + direction * t) / radius).normalize_or_zero(),
                })
            }
            Shape::Box { min, max } => {
                let mut crossings = Crossings::new();
                aabb(
                    min.min(max),
                    min.max(max),
                    origin,
                    direction,
                    &mut crossings,
                );
                let [entry, exit] = [crossings.items[0], crossings.items[1]];
                match crossings.len {
                    2 if within(entry.t) => Some(entry),
                    2 if within(exit.t) => Some(exit),
                    _ => None,
                }
            }
            _ => {
                let mut crossings = Crossings::new();
                self.crossings(origin, direction, &mut crossings);
                crossings
                    .as_slice()
                    .iter()
                    .filter(|crossing| within(crossing.t))
                    .min_by(|a, b| a.t.total_cmp(&b.t))
                    .copied()
            }
        }
    }

    /// Whether this primitive, used to clip, removes the point at `t` on the ray: what lies
    /// inside a sphere, box or capsule; behind a plane (the side its normal points away from);
    /// behind a bounded plane along rays that cross it, as OSPRay's ray-interval clipping does.
    pub(crate) fn clips(&self, origin: DVec3, direction: DVec3, t: f64) -> bool {
        let point = origin + direction * t;
        match *self {
            Shape::Sphere { center, radius } => point.distance_squared(center) < radius * radius,
            Shape::Box { min, max } => {
                point.cmpgt(min.min(max)).all() && point.cmplt(min.max(max)).all()
            }
            Shape::Capsule { p0, r0, p1, r1 } => inside_capsule(p0, r0, p1, r1, point),
            Shape::Plane { normal, offset } => normal.dot(point) + offset < 0.0,
            Shape::BoundedPlane { .. } => {
                let mut crossings = Crossings::new();
                self.crossings(origin, direction, &mut crossings);
                crossings.as_slice().first().is_some_and(|crossing| {
                    if crossing.normal.dot(direction) < 0.0 {
                        t > crossing.t
                    } else {
                        t < crossing.t
                    }
                })
            }
        }
    }
}

fn sphere(center: DVec3, radius: f64, origin: DVec3, direction: DVec3, out: &mut Crossings) {
    let oc = origin - center;
    let a = direction.length_squared();
    let b = oc.dot(direction);
    let c = oc.length_squared() - radius * radius;
    let discriminant = b * b - a * c;
    if discriminant < 0.0 || a == 0.0 {
        return;
    }
    let root = discriminant.sqrt();
    for t in [(-b - root) / a, (-b + root) / a] {
        let normal = (oc + direction * t) / radius.abs().max(f64::MIN_POSITIVE);
        out.push(Crossing {
            t,
            normal: normal.normalize_or_zero(),
        });
    }
}

fn aabb(min: DVec3, max: DVec3, origin: DVec3, direction: DVec3, out: &mut Crossings) {
    let inverse = direction.recip();
    let a = (min - origin) * inverse;
    let b = (max - origin) * inverse;
    let near = a.min(b);
    let far = a.max(b);
    let t_near = near.max_element();
    let t_far = far.min_element();
    if t_near > t_far || !t_near.is_finite() || !t_far.is_finite() {
        return;
    }
    // The entry face is on the axis whose slab is entered last, facing against the ray; the
    // exit face on the axis left first, facing along it.
    let face = |values: DVec3, wanted: f64, sign: f64| {
        let axis = (0..3).find(|&i| values[i] == wanted).unwrap_or(0);
        let mut normal = DVec3::ZERO;
        normal[axis] = sign * direction[axis].signum();
        normal
    };
    out.push(Crossing {
        t: t_near,
        normal: face(near, t_near, -1.0),
    });
    out.push(Crossing {
        t: t_far,
        normal: face(far, t_far, 1.0),
    });
}

fn plane(normal: DVec3, offset: f64, origin: DVec3, direction: DVec3) -> Option<Crossing> {
    let facing = normal.dot(direction);
    if facing == 0.0 {
        return None;
    }
    let t = -(normal.dot(origin) + offset) / facing;
    t.is_finite().then_some(Crossing { t, normal })
}

/// A capsule as the union of its two end spheres and the cone between its end points, radius
/// going linearly from `r0` to `r1` (with equal radii exactly OSPRay's round linear curve).
fn capsule(
    p0: DVec3,
    r0: f64,
    p1: DVec3,
    r1: f64,
    origin: DVec3,
    direction: DVec3,
    out: &mut Crossings,
) {
    let mut parts = Crossings::new();
    sphere(p0, r0, origin, direction, &mut parts);
    sphere(p1, r1, origin, direction, &mut parts);
    cone(p0, r0, p1, r1, origin, direction, &mut parts);
    // Only crossings on the union's surface count: not inside another part.
    for &crossing in parts.as_slice() {
        let point = origin + direction * crossing.t;
        let slack = 1e-7 * (1.0 + r0.abs().max(r1.abs()));
        let in_sphere = |center: DVec3, radius: f64| point.distance(center) < radius - slack;
        let in_cone = inside_cone(p0, r0, p1, r1, point, slack);
        if !(in_sphere(p0, r0) || in_sphere(p1, r1) || in_cone) {
            out.push(crossing);
        }
    }
}

fn cone(
    p0: DVec3,
    r0: f64,
    p1: DVec3,
    r1: f64,
    origin: DVec3,
    direction: DVec3,
    out: &mut Crossings,
) {
    let length = p0.distance(p1);
    if length == 0.0 {
        return;
    }
    let axis = (p1 - p0) / length;
    let slope = (r1 - r0) / length;
    let w = origin - p0;
    let (ws, ds) = (w.dot(axis), direction.dot(axis));
    let (wp, dp) = (w - axis * ws, direction - axis * ds);
    let base = r0 + slope * ws;
    let a = dp.length_squared() - slope * slope * ds * ds;
    let b = wp.dot(dp) - slope * ds * base;
    let c = wp.length_squared() - base * base;
    if a.abs() < 1e-300 {
        return;
    }
    let discriminant = b * b - a * c;
    if discriminant < 0.0 {
        return;
    }
    let root = discriminant.sqrt();
    for t in [(-b - root) / a, (-b + root) / a] {
        let s = ws + t * ds;
        let radius = r0 + slope * s;
        if !(0.0..=length).contains(&s) || radius < 0.0 {
            continue;
        }
        let radial = (wp + dp * t).normalize_or_zero();
        out.push(Crossing {
            t,
            normal: (radial - axis * slope).normalize_or_zero(),
        });
    }
}

fn inside_cone(p0: DVec3, r0: f64, p1: DVec3, r1: f64, point: DVec3, slack: f64) -> bool {
    let length = p0.distance(p1);
    if length == 0.0 {
        return false;
    }
    let axis = (p1 - p0) / length;
    let s = (point - p0).dot(axis);
    if s <= 0.0 || s >= length {
        return false;
    }
    let radius = r0 + (r1 - r0) * s / length;
    (point - p0 - axis * s).length() < radius - slack
}

fn inside_capsule(p0: DVec3, r0: f64, p1: DVec3, r1: f64, point: DVec3) -> bool {
    point.distance_squared(p0) < r0 * r0
        || point.distance_squared(p1) < r1 * r1
        || inside_cone(p0, r0, p1, r1, point, 0.0)
}

/// The primitives of one model, their colors (geometry) or clipping side (clipping models),
/// and a hierarchy over those with bounds.
#[derive(Debug)]
pub(crate) struct Primitives {
    pub(crate) shapes: Vec<Shape>,
    /// One RGBA color per shape; empty for a clipping model.
    pub(crate) colors: Vec<[f64; 4]>,
    /// Clipping models: whether `invert_normals` switched the clipped side.
    pub(crate) inverted: bool,
    /// Shapes without bounds (planes), tested by every ray.
    pub(crate) unbounded: Vec<usize>,
    pub(crate) bounds: Aabb,
    /// Built by the first picture that needs it.
    bvh: OnceLock<Bvh>,
}

/// The primitives of one model as its `add-*` request carried them. Large requests (kept as
/// text by the server) are parsed when a picture first needs them, so adding geometry costs
/// a copy of its text, not a second parse.
#[derive(Debug)]
pub(crate) struct Shapes {
    method: String,
    text: Option<Box<str>>,
    primitives: OnceLock<Primitives>,
    /// Unique per set of shapes made by this process: what picture caches key on.
    pub(crate) serial: u64,
}

impl Shapes {
    fn with(method: &str, text: Option<Box<str>>, primitives: Option<Primitives>) -> Shapes {
        static SERIAL: AtomicU64 = AtomicU64::new(0);
        let cell = OnceLock::new();
        if let Some(primitives) = primitives {
            let _ = cell.set(primitives);
        }
        Shapes {
            method: method.to_owned(),
            text,
            primitives: cell,
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Shapes made by the mock itself (the box of a loaded model's bounds).
    pub(crate) fn from_primitives(primitives: Primitives) -> Shapes {
        Shapes::with("", None, Some(primitives))
    }

    /// The primitives an `add-*` or `add-clip*` request carries, from its params; `None` for
    /// other methods and params that do not parse (the schema check came first).
    pub(crate) fn from_params(method: &str, params: &Value) -> Option<Shapes> {
        let primitives = Request::parse(Request::deserialize_value(method, params)?)?;
        Some(Shapes::with(method, None, Some(primitives)))
    }

    /// [`Shapes::from_params`] from the params' JSON text, kept to be parsed later; `None` for
    /// other methods.
    pub(crate) fn from_text(method: &str, json: &str) -> Option<Shapes> {
        Request::kind(method)?;
        Some(Shapes::with(method, Some(json.into()), None))
    }

    /// The primitives, parsed now if they were kept as text (none if it does not parse).
    pub(crate) fn primitives(&self) -> &Primitives {
        self.primitives.get_or_init(|| {
            self.text
                .as_deref()
                .and_then(|json| Request::parse(Request::deserialize_text(&self.method, json)?))
                .unwrap_or_else(|| Primitives::new(Vec::new(), Vec::new(), false))
        })
    }
}

impl Primitives {
    pub(crate) fn new(shapes: Vec<Shape>, colors: Vec<[f64; 4]>, inverted: bool) -> Primitives {
        let mut unbounded = Vec::new();
        let mut bounds = Aabb::EMPTY;
        for (index, shape) in shapes.iter().enumerate() {
            let shape_bounds = shape.bounds();
            if shape_bounds.is_empty() {
                unbounded.push(index);
            }
            bounds.grow(&shape_bounds);
        }
        Primitives {
            bvh: OnceLock::new(),
            shapes,
            colors,
            inverted,
            unbounded,
            bounds,
        }
    }

    fn bvh(&self) -> &Bvh {
        self.bvh.get_or_init(|| {
            let boxes: Vec<Aabb> = self.shapes.iter().map(Shape::bounds).collect();
            Bvh::build(&boxes)
        })
    }

    /// Whether the model has something to draw or clip with.
    pub(crate) fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// The nearest crossing of shape `index` in `[t_min, t_max)` that `accept` keeps (all of
    /// them without `accept`).
    fn crossing(
        &self,
        index: usize,
        origin: DVec3,
        direction: DVec3,
        t_min: f64,
        t_max: f64,
        accept: Option<&dyn Fn(f64) -> bool>,
    ) -> Option<Crossing> {
        let shape = &self.shapes[index];
        let Some(accept) = accept else {
            return shape.first_crossing(origin, direction, t_min, t_max);
        };
        let mut crossings = Crossings::new();
        shape.crossings(origin, direction, &mut crossings);
        crossings.sort();
        crossings
            .as_slice()
            .iter()
            .filter(|crossing| crossing.t >= t_min && crossing.t < t_max)
            .find(|crossing| accept(crossing.t))
            .copied()
    }

    /// [`Primitives::nearest`] for the rays (in model space) of the `lanes` bits of a packet,
    /// walking the hierarchy once for all; `accept` takes the lane too.
    pub(crate) fn nearest_packet(
        &self,
        origins: &[DVec3; LANES],
        directions: &[DVec3; LANES],
        t_min: &[f64; LANES],
        t_max: &mut [f64; LANES],
        lanes: u32,
        accept: Option<&dyn Fn(usize, f64) -> bool>,
    ) -> [Option<(usize, Crossing)>; LANES] {
        let mut best = [None; LANES];
        let mut test = |index: usize, lanes: u32, t_max: &mut [f64; LANES]| {
            let mut bits = lanes;
            while bits != 0 {
                let lane = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let of_lane = |t: f64| accept.is_none_or(|accept| accept(lane, t));
                let accept: Option<&dyn Fn(f64) -> bool> = accept.map(|_| &of_lane as _);
                if let Some(crossing) = self.crossing(
                    index,
                    origins[lane],
                    directions[lane],
                    t_min[lane],
                    t_max[lane],
                    accept,
                ) {
                    t_max[lane] = crossing.t;
                    best[lane] = Some((index, crossing));
                }
            }
        };
        for &index in &self.unbounded {
            test(index, lanes, t_max);
        }
        let rays = RayPacket::new(origins, directions);
        self.bvh().traverse_packet(&rays, t_min, t_max, lanes, test);
        best
    }

    /// The nearest crossing in `[t_min, *t_max)` that `accept` keeps (all of them without
    /// `accept`), lowering `*t_max` to it; returns the shape's index and the crossing.
    pub(crate) fn nearest(
        &self,
        origin: DVec3,
        direction: DVec3,
        t_min: f64,
        t_max: &mut f64,
        accept: Option<&dyn Fn(f64) -> bool>,
    ) -> Option<(usize, Crossing)> {
        let mut best = None;
        let mut test = |index: usize, t_max: &mut f64| {
            if let Some(crossing) = self.crossing(index, origin, direction, t_min, *t_max, accept) {
                *t_max = crossing.t;
                best = Some((index, crossing));
            }
        };
        for &index in &self.unbounded {
            test(index, t_max);
        }
        let ray = RayBox::new(origin, direction);
        self.bvh().traverse(&ray, t_min, t_max, test);
        best
    }
}

/// The geometry fields of every `add-*` primitive (each type uses some of them).
#[derive(Deserialize)]
struct Geometry {
    center: Option<[f64; 3]>,
    radius: Option<f64>,
    min: Option<[f64; 3]>,
    max: Option<[f64; 3]>,
    p0: Option<[f64; 3]>,
    p1: Option<[f64; 3]>,
    r0: Option<f64>,
    r1: Option<f64>,
    coefficients: Option<[f64; 4]>,
    bounds: Option<Bounds>,
}

#[derive(Deserialize)]
struct Bounds {
    min: [f64; 3],
    max: [f64; 3],
}

/// `add-<spheres|boxes|...>` items.
#[derive(Deserialize)]
struct Item {
    geometry: Geometry,
    color: [f64; 4],
}

/// `add-clipping-<type>` params.
#[derive(Deserialize)]
struct Clipping {
    primitives: Vec<Geometry>,
    #[serde(default)]
    invert_normals: bool,
}

/// What an `add-*` request carries, by method.
enum Request {
    Geometry(&'static str, Vec<Item>),
    Clipping(&'static str, Clipping),
    /// `add-clip-plane`: one plane, the deprecated way.
    ClipPlane(Box<Geometry>),
}

impl Request {
    /// The primitive type `method` adds and whether it is a clipping method.
    fn kind(method: &str) -> Option<(&'static str, u8)> {
        let (rest, which) = if let Some(rest) = method.strip_prefix("add-clipping-") {
            (rest, 1)
        } else if method == "add-clip-plane" {
            return Some(("planes", 2));
        } else {
            (method.strip_prefix("add-")?, 0)
        };
        let kind = match rest {
            "spheres" => "spheres",
            "boxes" => "boxes",
            "capsules" => "capsules",
            "planes" => "planes",
            "bounded-planes" => "bounded-planes",
            _ => return None,
        };
        Some((kind, which))
    }

    fn deserialize_value(method: &str, params: &Value) -> Option<Request> {
        let (kind, which) = Request::kind(method)?;
        Some(match which {
            0 => Request::Geometry(kind, Vec::<Item>::deserialize(params).ok()?),
            1 => Request::Clipping(kind, Clipping::deserialize(params).ok()?),
            _ => Request::ClipPlane(Box::new(Geometry::deserialize(params).ok()?)),
        })
    }

    fn deserialize_text(method: &str, json: &str) -> Option<Request> {
        let (kind, which) = Request::kind(method)?;
        Some(match which {
            0 => Request::Geometry(kind, serde_json::from_str(json).ok()?),
            1 => Request::Clipping(kind, serde_json::from_str(json).ok()?),
            _ => Request::ClipPlane(Box::new(serde_json::from_str(json).ok()?)),
        })
    }

    fn parse(request: Request) -> Option<Primitives> {
        match request {
            Request::Geometry(kind, items) => {
                let mut shapes = Vec::with_capacity(items.len());
                let mut colors = Vec::with_capacity(items.len());
                for item in &items {
                    shapes.push(shape(kind, &item.geometry)?);
                    colors.push(item.color);
                }
                Some(Primitives::new(shapes, colors, false))
            }
            Request::Clipping(kind, clipping) => {
                let shapes = clipping
                    .primitives
                    .iter()
                    .map(|geometry| shape(kind, geometry))
                    .collect::<Option<Vec<_>>>()?;
                Some(Primitives::new(shapes, Vec::new(), clipping.invert_normals))
            }
            Request::ClipPlane(geometry) => Some(Primitives::new(
                vec![shape("planes", &geometry)?],
                Vec::new(),
                false,
            )),
        }
    }
}

/// A plane's unit normal and offset from its coefficients; `None` when A, B and C are all 0.
fn plane_of(coefficients: [f64; 4]) -> Option<(DVec3, f64)> {
    let [a, b, c, d] = coefficients;
    let normal = DVec3::new(a, b, c);
    let length = normal.length();
    (length > 0.0 && length.is_finite()).then(|| (normal / length, d / length))
}

fn shape(kind: &str, geometry: &Geometry) -> Option<Shape> {
    let v = |value: Option<[f64; 3]>| value.map(DVec3::from_array);
    Some(match kind {
        "spheres" => Shape::Sphere {
            center: v(geometry.center)?,
            radius: geometry.radius?,
        },
        "boxes" => Shape::Box {
            min: v(geometry.min)?,
            max: v(geometry.max)?,
        },
        "capsules" => Shape::Capsule {
            p0: v(geometry.p0)?,
            r0: geometry.r0?,
            p1: v(geometry.p1)?,
            r1: geometry.r1?,
        },
        "planes" => {
            let (normal, offset) = plane_of(geometry.coefficients?)?;
            Shape::Plane { normal, offset }
        }
        "bounded-planes" => {
            let (normal, offset) = plane_of(geometry.coefficients?)?;
            let bounds = geometry.bounds.as_ref()?;
            Shape::BoundedPlane {
                normal,
                offset,
                min: DVec3::from_array(bounds.min),
                max: DVec3::from_array(bounds.max),
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capsule_is_hit_on_its_caps_and_its_side_but_not_inside() {
        let capsule = Shape::Capsule {
            p0: DVec3::new(0.0, -1.0, 0.0),
            r0: 0.5,
            p1: DVec3::new(0.0, 1.0, 0.0),
            r1: 0.5,
        };
        let mut side = Crossings::new();
        capsule.crossings(DVec3::new(0.0, 0.0, 5.0), -DVec3::Z, &mut side);
        let mut ts: Vec<f64> = side.as_slice().iter().map(|c| c.t).collect();
        ts.sort_by(f64::total_cmp);
        assert_eq!(ts.len(), 2, "{ts:?}");
        assert!((ts[0] - 4.5).abs() < 1e-9 && (ts[1] - 5.5).abs() < 1e-9);
        let mut cap = Crossings::new();
        capsule.crossings(DVec3::new(0.0, 5.0, 0.0), -DVec3::Y, &mut cap);
        let nearest = cap
            .as_slice()
            .iter()
            .map(|c| c.t)
            .fold(f64::INFINITY, f64::min);
        assert!((nearest - 3.5).abs() < 1e-9, "{nearest}");
    }
}
