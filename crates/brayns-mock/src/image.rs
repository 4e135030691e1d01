//! Encoded images for `snapshot` and `render-image`: the picture's RGBA pixels encoded for real
//! as PNG or JPEG at the requested size, cached so repeated requests cost nothing.

use std::collections::HashMap;

use bytes::Bytes;

/// Image encodings the server knows (`format` params: "png", "jpg"/"jpeg").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ImageFormat {
    Png,
    Jpeg,
}

impl ImageFormat {
    /// The format of a codec name as Brayns' `ImageCodecRegistry` knows it (case-insensitive):
    /// `png` or `jpg` (not `jpeg`).
    pub(crate) fn parse(name: &str) -> Option<ImageFormat> {
        match name.to_ascii_lowercase().as_str() {
            "png" => Some(ImageFormat::Png),
            "jpg" => Some(ImageFormat::Jpeg),
            _ => None,
        }
    }
}

/// Largest edge the mock encodes (JPEG's limit); bigger requests are an error.
pub(crate) const MAX_EDGE: u32 = 65_535;

/// Largest raw buffer the mock builds for one reply, in bytes: an 8192 x 8192 RGB image. A typo
/// in a size (or a long channel list) gets an error instead of exhausting memory; real renders
/// that big are out of scope for a stand-in.
pub(crate) const MAX_BUFFER_BYTES: u64 = 8192 * 8192 * 3;

/// Bytes of a `width`×`height` buffer with `bytes_per_pixel`, or `None` above
/// [`MAX_BUFFER_BYTES`] (computed without overflow for any request).
fn buffer_bytes(width: u32, height: u32, bytes_per_pixel: u64) -> Option<usize> {
    let bytes = (u64::from(width) * u64::from(height)).checked_mul(bytes_per_pixel)?;
    if bytes > MAX_BUFFER_BYTES {
        return None;
    }
    usize::try_from(bytes).ok()
}

/// A small cache of encoded images keyed by format, size, quality and what they show (a hash
/// of the picture: camera, scene, background).
#[derive(Default)]
pub(crate) struct ImageCache {
    images: HashMap<(ImageFormat, u32, u32, u8, u64), Bytes>,
}

impl ImageCache {
    /// The encoded image, from the cache or made from the RGBA pixels `draw` returns.
    pub(crate) fn get(
        &mut self,
        format: ImageFormat,
        width: u32,
        height: u32,
        quality: u8,
        picture: u64,
        draw: impl FnOnce() -> Vec<u8>,
    ) -> Result<Bytes, String> {
        let key = (format, width, height, quality, picture);
        if let Some(image) = self.images.get(&key) {
            return Ok(image.clone());
        }
        check_size(width, height)?;
        let image = Bytes::from(encode(format, width, height, quality, &draw())?);
        if self.images.len() >= 8 {
            self.images.clear();
        }
        self.images.insert(key, image.clone());
        Ok(image)
    }
}

/// Whether the mock makes an image of this size (an error naming its limits if not).
pub(crate) fn check_size(width: u32, height: u32) -> Result<(), String> {
    match buffer_bytes(width, height, 3) {
        Some(_) if width <= MAX_EDGE && height <= MAX_EDGE => Ok(()),
        _ => Err(format!(
            "Image size {width}x{height} exceeds the mock's limit of {MAX_BUFFER_BYTES} bytes \
             of RGB pixels and {MAX_EDGE} pixels per edge"
        )),
    }
}

/// Encodes `width`×`height` RGBA pixels (rows from the top): PNG keeps the alpha channel, as
/// Brayns' PNG codec writes its RGBA framebuffer; JPEG has none and drops it. An empty size
/// encodes to nothing.
pub(crate) fn encode(
    format: ImageFormat,
    width: u32,
    height: u32,
    quality: u8,
    rgba: &[u8],
) -> Result<Vec<u8>, String> {
    if width == 0 || height == 0 {
        return Ok(Vec::new());
    }
    check_size(width, height)?;
    let mut out = Vec::new();
    match format {
        ImageFormat::Png => {
            let mut encoder = png::Encoder::new(&mut out, width, height);
            encoder.set_color(png::ColorType::Rgba);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::Fast);
            let mut writer = encoder.write_header().map_err(|error| error.to_string())?;
            writer
                .write_image_data(rgba)
                .map_err(|error| error.to_string())?;
            writer.finish().map_err(|error| error.to_string())?;
        }
        ImageFormat::Jpeg => {
            let rgb: Vec<u8> = rgba
                .chunks_exact(4)
                .flat_map(|pixel| [pixel[0], pixel[1], pixel[2]])
                .collect();
            let encoder = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
            encoder
                .encode(
                    &rgb,
                    width as u16,
                    height as u16,
                    jpeg_encoder::ColorType::Rgb,
                )
                .map_err(|error| error.to_string())?;
        }
    }
    Ok(out)
}

/// Whether the mock makes g-buffers of this size with `floats` 32-bit values per pixel (at
/// least one), bounded like images in bytes.
pub(crate) fn check_gbuffers(width: u32, height: u32, floats: usize) -> Result<(), String> {
    let floats = floats.max(1);
    let bytes_per_pixel = u64::try_from(floats).unwrap_or(u64::MAX).saturating_mul(4);
    match buffer_bytes(width, height, bytes_per_pixel) {
        Some(_) => Ok(()),
        None => Err(format!(
            "G-buffers of {width}x{height} with {floats} values per pixel exceed the mock's \
             limit of {MAX_BUFFER_BYTES} bytes"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_bounded_in_bytes_whatever_the_request() {
        assert_eq!(buffer_bytes(8192, 8192, 3), Some(8192 * 8192 * 3));
        assert_eq!(buffer_bytes(8192, 8192, 4), None);
        assert_eq!(
            buffer_bytes(u32::MAX, u32::MAX, u64::MAX),
            None,
            "no overflow"
        );
        assert!(check_size(8192, 8192).is_ok());
        assert!(check_size(8193, 8192).is_err());
        assert!(check_size(65_536, 1).is_err(), "JPEG edge");
        // One 32-bit value of 8192 x 8192 is over the 8192 x 8192 RGB budget.
        assert!(check_gbuffers(8192, 8192, 1).is_err());
        assert!(check_gbuffers(4096, 4096, 4).is_err());
        assert!(check_gbuffers(4096, 4096, 3).is_ok());
        assert!(check_gbuffers(8192, 8192, usize::MAX).is_err());
    }
}
