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
    let size = match buffer_bytes(width, height, 3) {
        Some(size) if width <= MAX_EDGE && height <= MAX_EDGE => size,
        _ => {
            return Err(format!(
                "Image size {width}x{height} exceeds the mock's limit of {MAX_BUFFER_BYTES} bytes \
                 of RGB pixels and {MAX_EDGE} pixels per edge"
            ));
        }
    };
    let mut pixels = Vec::with_capacity(size);
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
/// zeroed 32-bit float per pixel and channel (`channels` distinct channels, at least one). It is
/// not decodable as EXR; clients only forward it.
pub(crate) fn gbuffers(width: u32, height: u32, channels: usize) -> Result<Vec<u8>, String> {
    let channels = channels.max(1);
    let bytes_per_pixel = u64::try_from(channels)
        .unwrap_or(u64::MAX)
        .saturating_mul(4);
    let Some(size) = buffer_bytes(width, height, bytes_per_pixel) else {
        return Err(format!(
            "G-buffers of {width}x{height} with {channels} channels exceed the mock's limit of \
             {MAX_BUFFER_BYTES} bytes"
        ));
    };
    let mut out = vec![0u8; 8 + size];
    out[..8].copy_from_slice(&[0x76, 0x2f, 0x31, 0x01, 0x02, 0x00, 0x00, 0x00]);
    Ok(out)
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
        assert!(encode(ImageFormat::Png, 8193, 8192, 100).is_err());
        assert!(
            encode(ImageFormat::Jpeg, 65_536, 1, 100).is_err(),
            "JPEG edge"
        );
        assert_eq!(gbuffers(4, 2, 3).unwrap().len(), 8 + 4 * 2 * 3 * 4);
        assert_eq!(
            gbuffers(4, 2, 0).unwrap().len(),
            8 + 4 * 2 * 4,
            "at least one channel"
        );
        // One 32-bit channel of 8192 x 8192 is over the 8192 x 8192 RGB budget.
        assert!(gbuffers(8192, 8192, 1).is_err());
        assert!(gbuffers(4096, 4096, 4).is_err());
        assert_eq!(buffer_bytes(4096, 4096, 3 * 4), Some(8192 * 8192 * 3));
        assert!(gbuffers(8192, 8192, usize::MAX).is_err());
    }
}
