//! Encoded images for `snapshot` and `render-image`: a simple gradient, encoded for real as PNG
//! or JPEG at the requested size, cached so repeated requests cost nothing.

use std::collections::HashMap;

use bytes::Bytes;

/// Image encodings the server knows (`format` params: "png", "jpg"/"jpeg").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ImageFormat {
    Png,
    Jpeg,
}

impl ImageFormat {
    pub(crate) fn parse(name: &str) -> Option<ImageFormat> {
        match name.to_ascii_lowercase().as_str() {
            "png" => Some(ImageFormat::Png),
            "jpg" | "jpeg" => Some(ImageFormat::Jpeg),
            _ => None,
        }
    }
}

/// Largest edge the mock encodes (JPEG's limit); bigger requests are an error.
pub(crate) const MAX_EDGE: u32 = 65_535;

/// Largest image (pixels) the mock produces, so a typo in a size cannot exhaust memory
/// (8192 x 8192; real renders that big are out of scope for a stand-in).
pub(crate) const MAX_PIXELS: u64 = 8192 * 8192;

fn check_size(width: u32, height: u32) -> Result<(), String> {
    if width > MAX_EDGE || height > MAX_EDGE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!(
            "Image size {width}x{height} exceeds the mock's limit of {MAX_PIXELS} pixels"
        ));
    }
    Ok(())
}

/// A small cache of encoded images keyed by format, size and quality.
#[derive(Default)]
pub(crate) struct ImageCache {
    images: HashMap<(ImageFormat, u32, u32, u8), Bytes>,
}

impl ImageCache {
    pub(crate) fn get(
        &mut self,
        format: ImageFormat,
        width: u32,
        height: u32,
        quality: u8,
    ) -> Result<Bytes, String> {
        let key = (format, width, height, quality);
        if let Some(image) = self.images.get(&key) {
            return Ok(image.clone());
        }
        let image = Bytes::from(encode(format, width, height, quality)?);
        if self.images.len() >= 8 {
            self.images.clear();
        }
        self.images.insert(key, image.clone());
        Ok(image)
    }
}

/// Encodes a `width`×`height` RGB gradient (red along x, green along y).
pub(crate) fn encode(
    format: ImageFormat,
    width: u32,
    height: u32,
    quality: u8,
) -> Result<Vec<u8>, String> {
    if width == 0 || height == 0 {
        return Ok(Vec::new());
    }
    check_size(width, height)?;
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    let row: Vec<u8> = (0..width)
        .map(|x| (x * 255 / width.max(2).saturating_sub(1).max(1)) as u8)
        .collect();
    for y in 0..height {
        let green = (y * 255 / height.max(2).saturating_sub(1).max(1)) as u8;
        for &red in &row {
            pixels.extend_from_slice(&[red, green, 96]);
        }
    }
    let mut out = Vec::new();
    match format {
        ImageFormat::Png => {
            let mut encoder = png::Encoder::new(&mut out, width, height);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::Fast);
            let mut writer = encoder.write_header().map_err(|error| error.to_string())?;
            writer
                .write_image_data(&pixels)
                .map_err(|error| error.to_string())?;
            writer.finish().map_err(|error| error.to_string())?;
        }
        ImageFormat::Jpeg => {
            let encoder = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
            encoder
                .encode(
                    &pixels,
                    width as u16,
                    height as u16,
                    jpeg_encoder::ColorType::Rgb,
                )
                .map_err(|error| error.to_string())?;
        }
    }
    Ok(out)
}

/// A fake OpenEXR payload for `export-gbuffers`: the 4-byte EXR magic and version, then one
/// zeroed 32-bit float per pixel and channel. It is not decodable as EXR; clients only forward it.
pub(crate) fn gbuffers(width: u32, height: u32, channels: usize) -> Result<Vec<u8>, String> {
    check_size(width, height)?;
    let size = 8 + width as usize * height as usize * channels.max(1) * 4;
    let mut out = vec![0u8; size];
    out[..8].copy_from_slice(&[0x76, 0x2f, 0x31, 0x01, 0x02, 0x00, 0x00, 0x00]);
    Ok(out)
}
