//! Pictures of the scene as the camera sees it, for `snapshot`, `render-image` and
//! `export-gbuffers`: a small ray tracer over the `add-*` primitives (a hierarchy of boxes per
//! model and one over the models), loaded models drawn as their bounds, clipping models
//! applied, and the renderer's background where nothing is hit.
//!
//! It is a stand-in, not a renderer: a primitive appears where Brayns would draw it (same
//! cameras, same conventions, see [`camera`]), in its own color under a light at the camera
//! (Lambert: `color × (0.25 + 0.75 cos θ)`, θ between the ray and the normal). Lights,
//! materials, shadows, tone mapping and sRGB encoding are not modelled.

use glam::DVec3;
use std::hash::{Hash, Hasher};

mod bvh;
pub(crate) mod camera;
mod exr;
pub(crate) mod scene;
pub(crate) mod shapes;

pub(crate) use camera::{Camera, Projection};
pub(crate) use exr::Channel;
pub(crate) use scene::{Model, Part};
pub(crate) use shapes::Shapes;

use bvh::LANES;
use camera::Rays;
use scene::{Hit, Tracer};

/// What a picture shows: the camera, the scene and the background color (RGBA).
#[derive(Debug, Clone)]
pub(crate) struct Picture {
    pub(crate) camera: Camera,
    pub(crate) models: Vec<Model>,
    pub(crate) background: [f64; 4],
}

/// The share of a color a surface keeps when it faces away from the light at the camera.
const AMBIENT: f64 = 0.25;

/// Below this many pixels a frame is traced on the calling thread alone.
const PARALLEL_PIXELS: usize = 1 << 16;

impl Picture {
    /// A hash of everything the picture depends on, so identical requests reuse one encoding.
    /// Models' primitives count by their serial (they are shared, never changed in place).
    pub(crate) fn key(&self) -> u64 {
        let mut words: Vec<u64> = Vec::with_capacity(32 + self.models.len() * 13);
        let mut floats = |values: &[f64]| words.extend(values.iter().map(|value| value.to_bits()));
        let camera = &self.camera;
        let (kind, value) = match camera.projection {
            Projection::Perspective { fovy } => (0.0, fovy),
            Projection::Orthographic { height } => (1.0, height),
            Projection::Cylindric { fovy } => (2.0, fovy),
        };
        floats(&[kind, value, camera.near_clip]);
        floats(&camera.position.to_array());
        floats(&camera.target.to_array());
        floats(&camera.up.to_array());
        floats(&[
            camera.region[0][0],
            camera.region[0][1],
            camera.region[1][0],
            camera.region[1][1],
        ]);
        floats(&self.background);
        for model in &self.models {
            floats(&model.transform.to_cols_array());
            match &model.part {
                Part::Geometry(shapes) | Part::Clipping(shapes) => {
                    floats(&[f64::from_bits(shapes.serial)]);
                }
                Part::BoundsBox { min, max, color } => {
                    floats(&min.to_array());
                    floats(&max.to_array());
                    floats(color);
                }
            }
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        words.hash(&mut hasher);
        hasher.finish()
    }

    /// The picture as 8-bit RGBA, rows from the top: hits in their shaded color and opaque,
    /// the rest in the background color and alpha. A view the engine would refuse (position
    /// on the target, up along the direction) shows only the background.
    pub(crate) fn rgba(&self, width: u32, height: u32) -> Vec<u8> {
        let background = self.background.map(unit_byte);
        let mut pixels = vec![0u8; width as usize * height as usize * 4];
        let Some(rays) = self.camera.rays(width, height) else {
            for pixel in pixels.chunks_exact_mut(4) {
                pixel.copy_from_slice(&background);
            }
            return pixels;
        };
        let tracer = Tracer::new(&self.models);
        rows(&mut pixels, width, height, 4, |y, row| {
            // A packet of neighbouring pixels at a time (the last of a row may have fewer).
            for (packet, pixels) in row.chunks_mut(LANES * 4).enumerate() {
                let count = pixels.len() / 4;
                let first = packet * LANES;
                let mut packet_rays = [rays.ray(first as u32, y); LANES];
                for (lane, ray) in packet_rays.iter_mut().enumerate().take(count).skip(1) {
                    *ray = rays.ray((first + lane) as u32, y);
                }
                let hits = tracer.trace_packet(&packet_rays, (1 << count) - 1);
                for (lane, pixel) in pixels.chunks_exact_mut(4).enumerate() {
                    let color = match hits[lane] {
                        Some(hit) => {
                            let [r, g, b] = shade(&hit, packet_rays[lane].direction);
                            [unit_byte(r), unit_byte(g), unit_byte(b), 255]
                        }
                        None => background,
                    };
                    pixel.copy_from_slice(&color);
                }
            }
        });
        pixels
    }

    /// The framebuffer channels `export-gbuffers` asks for, as OpenEXR (see [`exr`]): color
    /// (RGBA, shaded as in [`Picture::rgba`]), depth (distance along the ray, infinite where
    /// nothing is hit), normal (world space, zero on the background) and albedo (the
    /// primitive's color, the background color elsewhere).
    pub(crate) fn gbuffers(&self, width: u32, height: u32, channels: &[Channel]) -> Vec<u8> {
        let rays = self.camera.rays(width, height);
        let tracer = Tracer::new(&self.models);
        // Per pixel, the requested channels' values one after the other: no more memory than
        // the export itself holds.
        let per_pixel: usize = channels.iter().map(|channel| channel.components()).sum();
        let mut samples = vec![0f32; width as usize * height as usize * per_pixel];
        let [br, bg, bb, ba] = self.background;
        rows(&mut samples, width, height, per_pixel, |y, row| {
            for (x, sample) in row.chunks_exact_mut(per_pixel).enumerate() {
                let ray = rays.as_ref().map(|rays: &Rays| rays.ray(x as u32, y));
                let hit = ray
                    .as_ref()
                    .and_then(|ray| tracer.trace(ray).map(|hit| (hit, ray.direction)));
                let mut slots = sample.iter_mut();
                let mut put = |values: &[f64]| {
                    // Values first: `zip` stops on them without taking a slot too many.
                    for (value, slot) in values.iter().zip(slots.by_ref()) {
                        *slot = *value as f32;
                    }
                };
                for channel in channels {
                    match (channel, &hit) {
                        (Channel::Color, Some((hit, direction))) => {
                            let [r, g, b] = shade(hit, *direction);
                            put(&[r, g, b, 1.0]);
                        }
                        (Channel::Color, None) => put(&[br, bg, bb, ba]),
                        (Channel::Depth, Some((hit, _))) => put(&[hit.t]),
                        (Channel::Depth, None) => put(&[f64::INFINITY]),
                        (Channel::Normal, Some((hit, _))) => put(&hit.normal.to_array()),
                        (Channel::Normal, None) => put(&[0.0; 3]),
                        (Channel::Albedo, Some((hit, _))) => put(&hit.color[..3]),
                        (Channel::Albedo, None) => put(&[br, bg, bb]),
                    }
                }
            }
        });
        exr::encode(width, height, channels, &samples)
    }
}

/// What `inspect` finds at a screen position: the world position hit and the model's id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Picked {
    pub(crate) position: DVec3,
    pub(crate) model_id: u64,
}

impl Picture {
    /// The nearest visible model along the ray through the normalized screen `position` of a
    /// `width`×`height` frame, as OSPRay's `FrameBuffer::pick` casts it: the camera's own ray
    /// (image region, near clip) through that screen position, clipping models applied.
    /// `None` when nothing is hit or the view is one the engine refuses.
    pub(crate) fn pick(&self, width: u32, height: u32, position: [f64; 2]) -> Option<Picked> {
        let rays = self.camera.rays(width, height)?;
        let ray = rays.ray_at(position);
        let (position, model_id) = Tracer::new(&self.models).nearest_hit(&ray)?;
        Some(Picked { position, model_id })
    }
}

/// The hit's color under the light at the camera.
fn shade(hit: &Hit, direction: DVec3) -> [f64; 3] {
    let facing = hit.normal.dot(direction).abs();
    let light = AMBIENT + (1.0 - AMBIENT) * facing;
    let [r, g, b, _] = hit.color;
    [r * light, g * light, b * light]
}

fn unit_byte(value: f64) -> u8 {
    (value.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Fills `buffer` (`height` rows of `width × per_pixel` items) row by row with `fill(y, row)`,
/// on several threads when the frame is large.
fn rows<T: Send>(
    buffer: &mut [T],
    width: u32,
    height: u32,
    per_pixel: usize,
    fill: impl Fn(u32, &mut [T]) + Sync,
) {
    let row_len = width as usize * per_pixel;
    if row_len == 0 {
        return;
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(8);
    let pixels = width as usize * height as usize;
    if threads <= 1 || pixels < PARALLEL_PIXELS {
        for (y, row) in buffer.chunks_exact_mut(row_len).enumerate() {
            fill(y as u32, row);
        }
        return;
    }
    let rows_per_band = (height as usize).div_ceil(threads * 4).max(1);
    let bands: Vec<(usize, &mut [T])> = buffer
        .chunks_mut(row_len * rows_per_band)
        .enumerate()
        .collect();
    let next = std::sync::Mutex::new(bands.into_iter());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let band = next.lock().map(|mut bands| bands.next()).ok().flatten();
                    let Some((index, band)) = band else { break };
                    for (offset, row) in band.chunks_exact_mut(row_len).enumerate() {
                        fill((index * rows_per_band + offset) as u32, row);
                    }
                }
            });
        }
    });
}
