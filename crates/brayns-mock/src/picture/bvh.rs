//! A bounding volume hierarchy over anything with a box: split at the median of the longest
//! axis of the centres, small leaves. Used twice: over the primitives of one model, and over
//! the models of the scene.

use glam::{DVec3, Vec3A, Vec4};

/// An axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Aabb {
    pub(crate) min: DVec3,
    pub(crate) max: DVec3,
}

impl Aabb {
    pub(crate) const EMPTY: Aabb = Aabb {
        min: DVec3::INFINITY,
        max: DVec3::NEG_INFINITY,
    };

    pub(crate) fn grow(&mut self, other: &Aabb) {
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    pub(crate) fn grow_point(&mut self, point: DVec3) {
        self.min = self.min.min(point);
        self.max = self.max.max(point);
    }

    pub(crate) fn centre(&self) -> DVec3 {
        (self.min + self.max) * 0.5
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.min.x > self.max.x || self.min.y > self.max.y || self.min.z > self.max.z
    }
}

/// A box in single precision for fast tests, rounded outwards so it still holds everything
/// the double-precision box holds.
#[derive(Debug, Clone, Copy)]
struct Bounds32 {
    min: Vec3A,
    max: Vec3A,
}

impl Bounds32 {
    fn new(bounds: &Aabb) -> Bounds32 {
        let margin = |value: DVec3| value.abs().as_vec3a() * 1e-6 + Vec3A::splat(1e-6);
        Bounds32 {
            min: bounds.min.as_vec3a() - margin(bounds.min),
            max: bounds.max.as_vec3a() + margin(bounds.max),
        }
    }

    /// The ray parameter where the ray enters the box, if it does within `[t_min, t_max]`.
    #[inline]
    fn entry(&self, ray: &RayBox, t_min: f32, t_max: f32) -> Option<f32> {
        let a = (self.min - ray.origin) * ray.inverse;
        let b = (self.max - ray.origin) * ray.inverse;
        // Plain comparisons (no NaN can occur): `f32::max`'s NaN handling costs more than the
        // rest here.
        let (low, high) = (a.min(b), a.max(b));
        let larger = |x: f32, y: f32| if x > y { x } else { y };
        let smaller = |x: f32, y: f32| if x < y { x } else { y };
        let near = larger(larger(low.x, low.y), larger(low.z, t_min));
        let far = smaller(smaller(high.x, high.y), smaller(high.z, t_max));
        (near <= far).then_some(near)
    }
}

/// Rays traced together as a packet (see [`Bvh::traverse_packet`]), in groups of four lanes.
pub(crate) const LANES: usize = 16;
const GROUPS: usize = LANES / 4;

/// One `Vec4` per group of four lanes.
type Lanes = [Vec4; GROUPS];

impl Bounds32 {
    /// [`Bounds32::entry`] for a packet of rays: a bit per ray that enters the box within its
    /// `[t_min, t_max]`, and where each enters.
    #[inline]
    fn entry_packet(&self, rays: &RayPacket, t_min: &Lanes, t_max: &Lanes) -> (u32, Lanes) {
        let mut hits = 0;
        let mut entries = [Vec4::ZERO; GROUPS];
        for group in 0..GROUPS {
            let mut near = t_min[group];
            let mut far = t_max[group];
            for axis in 0..3 {
                let origin = rays.origin[group][axis];
                let inverse = rays.inverse[group][axis];
                let a = (Vec4::splat(self.min[axis]) - origin) * inverse;
                let b = (Vec4::splat(self.max[axis]) - origin) * inverse;
                near = a.min(b).max(near);
                far = a.max(b).min(far);
            }
            hits |= near.cmple(far).bitmask() << (4 * group);
            entries[group] = near;
        }
        (hits, entries)
    }
}

/// A packet of rays prepared for box tests together, component by component.
pub(crate) struct RayPacket {
    origin: [[Vec4; 3]; GROUPS],
    inverse: [[Vec4; 3]; GROUPS],
}

impl RayPacket {
    /// The rays `origins[lane] + t * directions[lane]`.
    pub(crate) fn new(origins: &[DVec3; LANES], directions: &[DVec3; LANES]) -> RayPacket {
        let mut rays = RayPacket {
            origin: [[Vec4::ZERO; 3]; GROUPS],
            inverse: [[Vec4::ZERO; 3]; GROUPS],
        };
        for lane in 0..LANES {
            let ray = RayBox::new(origins[lane], directions[lane]);
            for axis in 0..3 {
                rays.origin[lane / 4][axis][lane % 4] = ray.origin[axis];
                rays.inverse[lane / 4][axis][lane % 4] = ray.inverse[axis];
            }
        }
        rays
    }
}

/// Per lane, a bound of `t` in single precision by `narrow` ([`lower`] or [`upper`]).
#[inline]
fn lanes(t: &[f64; LANES], narrow: fn(f64) -> f32) -> Lanes {
    let mut out = [Vec4::ZERO; GROUPS];
    for (lane, &t) in t.iter().enumerate() {
        out[lane / 4][lane % 4] = narrow(t);
    }
    out
}

/// A ray prepared for box tests: its origin and the inverse of its direction, in single
/// precision.
pub(crate) struct RayBox {
    origin: Vec3A,
    inverse: Vec3A,
}

impl RayBox {
    pub(crate) fn new(origin: DVec3, direction: DVec3) -> RayBox {
        // A zero component becomes tiny, so its inverse is huge but finite: no 0 × ∞ NaN can
        // reach the comparisons of `entry`.
        let direction = direction.as_vec3a();
        let tiny = Vec3A::splat(1e-30);
        let direction = Vec3A::select(direction.abs().cmplt(tiny), tiny, direction);
        RayBox {
            origin: origin.as_vec3a(),
            inverse: direction.recip(),
        }
    }
}

/// An upper ray parameter bound in single precision, never below the double-precision one.
#[inline]
fn upper(t: f64) -> f32 {
    let narrow = t as f32;
    if f64::from(narrow) < t {
        narrow.next_up()
    } else {
        narrow
    }
}

/// A lower ray parameter bound in single precision, never above the double-precision one.
#[inline]
fn lower(t: f64) -> f32 {
    let narrow = t as f32;
    if f64::from(narrow) > t {
        narrow.next_down()
    } else {
        narrow
    }
}

#[derive(Debug, Clone, Copy)]
struct Node {
    bounds: Bounds32,
    /// Leaf: index of its first item in `items`; interior: index of its second child (the
    /// first child follows the node).
    offset: u32,
    /// Items of a leaf; 0 for an interior node.
    count: u32,
}

/// The hierarchy: nodes in depth-first order, and the items' indices in leaf order.
#[derive(Debug, Default)]
pub(crate) struct Bvh {
    nodes: Vec<Node>,
    items: Vec<u32>,
}

/// One item per leaf: every primitive then has its own single-precision box, tested before its
/// exact (double-precision) intersection, which costs far more than a box (capsules most).
const LEAF_SIZE: usize = 1;

impl Bvh {
    /// Builds the hierarchy over `bounds` (one box per item; empty boxes are left out).
    pub(crate) fn build(bounds: &[Aabb]) -> Bvh {
        let mut items: Vec<u32> = (0..bounds.len() as u32)
            .filter(|&i| !bounds[i as usize].is_empty())
            .collect();
        let mut nodes = Vec::with_capacity(items.len() / 2 + 1);
        if !items.is_empty() {
            let count = items.len();
            split(bounds, &mut items, 0, count, 0, &mut nodes);
        }
        Bvh { nodes, items }
    }

    /// Calls `visit(item, t_max)` for every item whose leaf box the ray enters before
    /// `*t_max`; `visit` lowers `*t_max` when it finds a nearer hit, which prunes the rest.
    pub(crate) fn traverse(
        &self,
        ray: &RayBox,
        t_min: f64,
        t_max: &mut f64,
        mut visit: impl FnMut(usize, &mut f64),
    ) {
        let low = lower(t_min);
        if self.nodes.is_empty()
            || self.nodes[0]
                .bounds
                .entry(ray, low, upper(*t_max))
                .is_none()
        {
            return;
        }
        let mut stack = [0u32; 64];
        let mut depth = 1;
        while depth > 0 {
            depth -= 1;
            let node = self.nodes[stack[depth] as usize];
            if node.count > 0 {
                let first = node.offset as usize;
                for &item in &self.items[first..first + node.count as usize] {
                    visit(item as usize, t_max);
                }
                continue;
            }
            let left = stack[depth] + 1;
            let right = node.offset;
            let high = upper(*t_max);
            let hit_left = self.nodes[left as usize].bounds.entry(ray, low, high);
            let hit_right = self.nodes[right as usize].bounds.entry(ray, low, high);
            // The nearer child goes on top so it is searched first.
            match (hit_left, hit_right) {
                (Some(l), Some(r)) => {
                    let (near, far) = if l <= r { (left, right) } else { (right, left) };
                    stack[depth] = far;
                    stack[depth + 1] = near;
                    depth += 2;
                }
                (Some(_), None) => {
                    stack[depth] = left;
                    depth += 1;
                }
                (None, Some(_)) => {
                    stack[depth] = right;
                    depth += 1;
                }
                (None, None) => {}
            }
        }
    }
}

impl Bvh {
    /// [`Bvh::traverse`] for a packet of rays (the lanes of `rays`, `t_min` and `t_max`
    /// whose bits `lanes` sets): calls `visit(item, lanes, t_max)` for every item whose leaf
    /// box some of the rays enter before their `t_max`, `lanes` a bit per such ray (possibly
    /// more: a ray stays in when a nearer hit rules the box out since). Neighbouring pixels'
    /// rays cross mostly the same boxes, so one walk down the hierarchy serves them all.
    pub(crate) fn traverse_packet(
        &self,
        rays: &RayPacket,
        t_min: &[f64; LANES],
        t_max: &mut [f64; LANES],
        lanes_in: u32,
        mut visit: impl FnMut(usize, u32, &mut [f64; LANES]),
    ) {
        let low = lanes(t_min, lower);
        let Some(root) = self.nodes.first() else {
            return;
        };
        // `t_max` changes only in `visit`: its single-precision bounds are redone after that.
        let mut high = lanes(t_max, upper);
        let (hit, _) = root.bounds.entry_packet(rays, &low, &high);
        if hit & lanes_in == 0 {
            return;
        }
        let mut stack = [(0u32, 0u32); 64];
        stack[0] = (0, hit & lanes_in);
        let mut depth = 1;
        while depth > 0 {
            depth -= 1;
            let (index, active) = stack[depth];
            let node = self.nodes[index as usize];
            if node.count > 0 {
                let first = node.offset as usize;
                for &item in &self.items[first..first + node.count as usize] {
                    visit(item as usize, active, t_max);
                }
                high = lanes(t_max, upper);
                continue;
            }
            let left = index + 1;
            let right = node.offset;
            let (hit_left, near_left) = self.nodes[left as usize]
                .bounds
                .entry_packet(rays, &low, &high);
            let (hit_right, near_right) = self.nodes[right as usize]
                .bounds
                .entry_packet(rays, &low, &high);
            let (hit_left, hit_right) = (hit_left & active, hit_right & active);
            match (hit_left != 0, hit_right != 0) {
                (true, true) => {
                    // The child most of the rays enter first goes on top.
                    let mut left_first = 0;
                    for group in 0..GROUPS {
                        left_first |=
                            near_left[group].cmple(near_right[group]).bitmask() << (4 * group);
                    }
                    let left_first = (left_first & active).count_ones() * 2;
                    let (near, far) = if left_first >= active.count_ones() {
                        ((left, hit_left), (right, hit_right))
                    } else {
                        ((right, hit_right), (left, hit_left))
                    };
                    stack[depth] = far;
                    stack[depth + 1] = near;
                    depth += 2;
                }
                (true, false) => {
                    stack[depth] = (left, hit_left);
                    depth += 1;
                }
                (false, true) => {
                    stack[depth] = (right, hit_right);
                    depth += 1;
                }
                (false, false) => {}
            }
        }
    }
}

/// Builds the subtree of `items[start..end]` at the end of `nodes`.
fn split(
    bounds: &[Aabb],
    items: &mut [u32],
    start: usize,
    end: usize,
    depth: usize,
    nodes: &mut Vec<Node>,
) {
    let mut node_bounds = Aabb::EMPTY;
    let mut centres = Aabb::EMPTY;
    for &item in &items[start..end] {
        let item_bounds = &bounds[item as usize];
        node_bounds.grow(item_bounds);
        centres.grow_point(item_bounds.centre());
    }
    let index = nodes.len();
    nodes.push(Node {
        bounds: Bounds32::new(&node_bounds),
        offset: start as u32,
        count: (end - start) as u32,
    });
    if end - start <= LEAF_SIZE {
        return;
    }
    // Past SAH_DEPTH only median splits, which add at most log2(n) levels: the depth stays
    // within the traversal stack whatever the input.
    let sah = (depth < SAH_DEPTH)
        .then(|| sah_split(bounds, &mut items[start..end], &centres))
        .flatten();
    let middle = sah.unwrap_or_else(|| median_split(bounds, &mut items[start..end], &centres));
    split(bounds, items, start, start + middle, depth + 1, nodes);
    let right = nodes.len() as u32;
    split(bounds, items, start + middle, end, depth + 1, nodes);
    nodes[index].offset = right;
    nodes[index].count = 0;
}

const BINS: usize = 16;
const SAH_DEPTH: usize = 28;

/// Splits `items` where the surface area heuristic (binned along each axis) says rays will
/// test the fewest boxes; returns the size of the first part, or `None` when every item falls
/// in one bin.
fn sah_split(bounds: &[Aabb], items: &mut [u32], centres: &Aabb) -> Option<usize> {
    let extent = centres.max - centres.min;
    let area = |b: &Aabb| {
        let d = b.max - b.min;
        d.x * d.y + d.y * d.z + d.z * d.x
    };
    let bin = |item: u32, axis: usize| {
        let position = (bounds[item as usize].centre()[axis] - centres.min[axis]) / extent[axis];
        ((position * BINS as f64) as usize).min(BINS - 1)
    };
    let mut best: Option<(f64, usize, usize)> = None;
    for axis in 0..3 {
        if extent[axis].is_nan() || extent[axis] <= 0.0 {
            continue;
        }
        let mut boxes = [Aabb::EMPTY; BINS];
        let mut counts = [0usize; BINS];
        for &item in items.iter() {
            let index = bin(item, axis);
            boxes[index].grow(&bounds[item as usize]);
            counts[index] += 1;
        }
        // Costs of the left parts, then sweep from the right.
        let mut left_cost = [0.0; BINS];
        let (mut running, mut count) = (Aabb::EMPTY, 0);
        for split in 1..BINS {
            running.grow(&boxes[split - 1]);
            count += counts[split - 1];
            left_cost[split] = if count == 0 {
                0.0
            } else {
                area(&running) * count as f64
            };
        }
        let (mut running, mut count) = (Aabb::EMPTY, 0);
        for split in (1..BINS).rev() {
            running.grow(&boxes[split]);
            count += counts[split];
            if count == 0 || count == items.len() {
                continue;
            }
            let cost = left_cost[split] + area(&running) * count as f64;
            if best.is_none_or(|(lowest, _, _)| cost < lowest) {
                best = Some((cost, axis, split));
            }
        }
    }
    let (_, axis, split) = best?;
    let mut first = 0;
    for index in 0..items.len() {
        if bin(items[index], axis) < split {
            items.swap(first, index);
            first += 1;
        }
    }
    (first > 0 && first < items.len()).then_some(first)
}

/// Splits `items` in halves along the longest axis of their centres.
fn median_split(bounds: &[Aabb], items: &mut [u32], centres: &Aabb) -> usize {
    let extent = centres.max - centres.min;
    let axis = if extent.x >= extent.y && extent.x >= extent.z {
        0
    } else if extent.y >= extent.z {
        1
    } else {
        2
    };
    let middle = items.len() / 2;
    items.select_nth_unstable_by(middle, |a, b| {
        let a = bounds[*a as usize].centre()[axis];
        let b = bounds[*b as usize].centre()[axis];
        a.total_cmp(&b)
    });
    middle
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_visits_exactly_the_items_whose_boxes_the_ray_crosses() {
        // A row of unit boxes along x; a ray along x at y = 0.5 crosses all, one at y = 5 none.
        let boxes: Vec<Aabb> = (0..37)
            .map(|i| Aabb {
                min: DVec3::new(f64::from(i) * 2.0, 0.0, 0.0),
                max: DVec3::new(f64::from(i) * 2.0 + 1.0, 1.0, 1.0),
            })
            .collect();
        let bvh = Bvh::build(&boxes);
        let mut seen = Vec::new();
        let ray = RayBox::new(DVec3::new(-1.0, 0.5, 0.5), DVec3::X);
        bvh.traverse(&ray, 0.0, &mut f64::INFINITY.clone(), |item, _| {
            seen.push(item)
        });
        seen.sort_unstable();
        assert_eq!(seen, (0..37).collect::<Vec<_>>());
        let mut missed = 0;
        let ray = RayBox::new(DVec3::new(-1.0, 5.0, 0.5), DVec3::X);
        bvh.traverse(&ray, 0.0, &mut f64::INFINITY.clone(), |_, _| missed += 1);
        assert_eq!(missed, 0);
    }
}
