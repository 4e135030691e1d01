//! OpenEXR files of framebuffer channels, laid out as Brayns 3.10.1 writes them
//! (`brayns/utils/image/codecs/ExrCodec.cpp` with tinyexr): uncompressed 32-bit float scanlines,
//! the channels of a buffer named R, G, B, A (as many as it has) and listed in reverse (A, B,
//! G, R: alphabetical, as EXR requires). One channel gives a single-part file; several give a
//! multi-part file with one part per channel, named after it (`color`, `depth`, ...).

/// A framebuffer channel `export-gbuffers` can export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Channel {
    Color,
    Depth,
    Normal,
    Albedo,
}

impl Channel {
    pub(crate) fn parse(name: &str) -> Option<Channel> {
        Some(match name {
            "color" => Channel::Color,
            "depth" => Channel::Depth,
            "normal" => Channel::Normal,
            "albedo" => Channel::Albedo,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Channel::Color => "color",
            Channel::Depth => "depth",
            Channel::Normal => "normal",
            Channel::Albedo => "albedo",
        }
    }

    /// Values per pixel: RGBA color, one depth, XYZ normal, RGB albedo.
    pub(crate) fn components(self) -> usize {
        match self {
            Channel::Color => 4,
            Channel::Depth => 1,
            Channel::Normal | Channel::Albedo => 3,
        }
    }
}

const NAMES: [&str; 4] = ["R", "G", "B", "A"];
const FLOAT: i32 = 2;

/// Encodes the `channels` (at least one) of a `width`×`height` frame from `samples`: per
/// pixel, rows from the top, each channel's components one after the other.
pub(crate) fn encode(width: u32, height: u32, channels: &[Channel], samples: &[f32]) -> Vec<u8> {
    let multipart = channels.len() > 1;
    let (width, height) = (width as usize, height as usize);
    let per_pixel: usize = channels.iter().map(|channel| channel.components()).sum();
    let mut out = Vec::new();
    out.extend_from_slice(&[0x76, 0x2f, 0x31, 0x01]);
    // Version 2; bit 12 of the version field marks a multi-part file.
    out.extend_from_slice(&[2, if multipart { 0x10 } else { 0 }, 0, 0]);
    for channel in channels {
        header(&mut out, width, height, *channel, multipart);
    }
    if multipart {
        out.push(0);
    }
    // Offset tables: one scanline per chunk (no compression), all tables before any chunk.
    let part_number = if multipart { 4 } else { 0 };
    let mut offset = out.len() + channels.len() * height * 8;
    for channel in channels {
        for _ in 0..height {
            out.extend_from_slice(&(offset as u64).to_le_bytes());
            offset += part_number + 8 + channel.components() * width * 4;
        }
    }
    out.reserve(offset - out.len());
    let mut first = 0;
    for (part, channel) in channels.iter().enumerate() {
        let count = channel.components();
        for y in 0..height {
            if multipart {
                out.extend_from_slice(&(part as i32).to_le_bytes());
            }
            out.extend_from_slice(&(y as i32).to_le_bytes());
            out.extend_from_slice(&((count * width * 4) as i32).to_le_bytes());
            // Channels in the header's order: the last component first.
            for component in (0..count).rev() {
                for x in 0..width {
                    let value = samples[(y * width + x) * per_pixel + first + component];
                    out.extend_from_slice(&value.to_le_bytes());
                }
            }
        }
        first += count;
    }
    out
}

fn attribute(out: &mut Vec<u8>, name: &str, kind: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    out.extend_from_slice(kind.as_bytes());
    out.push(0);
    out.extend_from_slice(&(value.len() as i32).to_le_bytes());
    out.extend_from_slice(value);
}

fn header(out: &mut Vec<u8>, width: usize, height: usize, channel: Channel, multipart: bool) {
    let mut channels = Vec::new();
    for name in NAMES[..channel.components()].iter().rev() {
        channels.extend_from_slice(name.as_bytes());
        channels.push(0);
        channels.extend_from_slice(&FLOAT.to_le_bytes());
        channels.extend_from_slice(&[0, 0, 0, 0]);
        channels.extend_from_slice(&1i32.to_le_bytes());
        channels.extend_from_slice(&1i32.to_le_bytes());
    }
    channels.push(0);
    attribute(out, "channels", "chlist", &channels);
    attribute(out, "compression", "compression", &[0]);
    let window: Vec<u8> = [0, 0, width as i32 - 1, height as i32 - 1]
        .iter()
        .flat_map(|value: &i32| value.to_le_bytes())
        .collect();
    attribute(out, "dataWindow", "box2i", &window);
    attribute(out, "displayWindow", "box2i", &window);
    attribute(out, "lineOrder", "lineOrder", &[0]);
    attribute(out, "pixelAspectRatio", "float", &1f32.to_le_bytes());
    let centre: Vec<u8> = [0f32, 0f32].iter().flat_map(|v| v.to_le_bytes()).collect();
    attribute(out, "screenWindowCenter", "v2f", &centre);
    attribute(out, "screenWindowWidth", "float", &1f32.to_le_bytes());
    if multipart {
        attribute(out, "name", "string", channel.name().as_bytes());
        attribute(out, "type", "string", b"scanlineimage");
        attribute(out, "chunkCount", "int", &(height as i32).to_le_bytes());
    }
    out.push(0);
}
