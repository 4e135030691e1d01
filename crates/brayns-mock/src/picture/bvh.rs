//! A bounding volume hierarchy over anything with a box: split at the median of the longest
//! axis of the centres, small leaves. Used twice: over the primitives of one model, and over
//! the models of the scene.

use glam::DVec3;

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

    /// The ray parameter where the ray enters the box, if it does within `[t_min, t_max]`.
    pub(crate) fn entry(&self, ray: &RayBox, t_min: f64, t_max: f64) -> Option<f64> {
        let a = (self.min - ray.origin) * ray.inverse;
        let b = (self.max - ray.origin) * ray.inverse;
        let near = a.min(b).max_element().max(t_min);
        let far = a.max(b).min_element().min(t_max);
        (near <= far).then_some(near)
    }
}

/// A ray prepared for box tests: its origin and the inverse of its direction.
pub(crate) struct RayBox {
    pub(crate) origin: DVec3,
    pub(crate) inverse: DVec3,
}

impl RayBox {
    pub(crate) fn new(origin: DVec3, direction: DVec3) -> RayBox {
        RayBox {
            origin,
            inverse: direction.recip(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Node {
    bounds: Aabb,
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

const LEAF_SIZE: usize = 4;

impl Bvh {
    /// Builds the hierarchy over `bounds` (one box per item; empty boxes are left out).
    pub(crate) fn build(bounds: &[Aabb]) -> Bvh {
        let mut items: Vec<u32> = (0..bounds.len() as u32)
            .filter(|&i| !bounds[i as usize].is_empty())
            .collect();
        let mut nodes = Vec::with_capacity(items.len() / 2 + 1);
        if !items.is_empty() {
            let count = items.len();
            split(bounds, &mut items, 0, count, &mut nodes);
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
        if self.nodes.is_empty() || self.nodes[0].bounds.entry(ray, t_min, *t_max).is_none() {
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
            let hit_left = self.nodes[left as usize].bounds.entry(ray, t_min, *t_max);
            let hit_right = self.nodes[right as usize].bounds.entry(ray, t_min, *t_max);
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

/// Builds the subtree of `items[start..end]` and returns its node index. Median splits keep the
/// depth at log2(n / LEAF_SIZE) + 1, far below the traversal stack's 64.
fn split(bounds: &[Aabb], items: &mut [u32], start: usize, end: usize, nodes: &mut Vec<Node>) {
    let mut node_bounds = Aabb::EMPTY;
    let mut centres = Aabb::EMPTY;
    for &item in &items[start..end] {
        let item_bounds = &bounds[item as usize];
        node_bounds.grow(item_bounds);
        centres.grow_point(item_bounds.centre());
    }
    let index = nodes.len();
    nodes.push(Node {
        bounds: node_bounds,
        offset: start as u32,
        count: (end - start) as u32,
    });
    if end - start <= LEAF_SIZE {
        return;
    }
    let extent = centres.max - centres.min;
    let axis = if extent.x >= extent.y && extent.x >= extent.z {
        0
    } else if extent.y >= extent.z {
        1
    } else {
        2
    };
    let middle = (end - start) / 2;
    items[start..end].select_nth_unstable_by(middle, |a, b| {
        let a = bounds[*a as usize].centre()[axis];
        let b = bounds[*b as usize].centre()[axis];
        a.total_cmp(&b)
    });
    split(bounds, items, start, start + middle, nodes);
    let right = nodes.len() as u32;
    split(bounds, items, start + middle, end, nodes);
    nodes[index].offset = right;
    nodes[index].count = 0;
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
