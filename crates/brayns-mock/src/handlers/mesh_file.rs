//! Vertex positions and face counts of the mesh files the mesh loader reads
//! (`brayns/io/loaders/mesh/parsers/`): OBJ, OFF, ASCII PLY, and ASCII or binary STL. Enough
//! for a loaded mesh's bounds and metadata; the mesh itself is not kept.

/// What a mesh file holds: its vertices and its triangle count.
pub(super) struct Mesh {
    pub(super) vertices: Vec<[f64; 3]>,
    pub(super) triangles: usize,
}

/// Parses `data` as the format `extension` names (lower case, no dot). `None`: a format or
/// variant (binary PLY) the mock does not read.
pub(super) fn parse(extension: &str, data: &[u8]) -> Option<Mesh> {
    match extension {
        "stl" if !data.starts_with(b"solid") => binary_stl(data),
        "stl" => Some(ascii_stl(&String::from_utf8_lossy(data))),
        "obj" => Some(obj(&String::from_utf8_lossy(data))),
        "off" => off(&String::from_utf8_lossy(data)),
        "ply" if data.starts_with(b"ply") => ascii_ply(&String::from_utf8_lossy(data)),
        _ => None,
    }
}

fn point<'a>(mut fields: impl Iterator<Item = &'a str>) -> Option<[f64; 3]> {
    let mut next = || fields.next()?.parse::<f64>().ok();
    Some([next()?, next()?, next()?])
}

/// `v x y z` lines; each `f` line of n corners makes n - 2 triangles.
fn obj(text: &str) -> Mesh {
    let mut mesh = Mesh {
        vertices: Vec::new(),
        triangles: 0,
    };
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        match fields.next() {
            Some("v") => mesh.vertices.extend(point(fields)),
            Some("f") => mesh.triangles += fields.count().saturating_sub(2),
            _ => {}
        }
    }
    mesh
}

/// The words of `text` outside `#` comments.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
}

/// `OFF`, then vertex, face and edge counts, the vertices, then faces as `n i0 i1 ...`.
fn off(text: &str) -> Option<Mesh> {
    let mut words = words(text);
    if words.next()? != "OFF" {
        return None;
    }
    let mut count = || words.next()?.parse::<usize>().ok();
    let (vertex_count, face_count, _) = (count()?, count()?, count()?);
    let mut vertices = Vec::with_capacity(vertex_count.min(1 << 20));
    for _ in 0..vertex_count {
        vertices.push(point(&mut words)?);
    }
    let mut triangles = 0;
    for _ in 0..face_count {
        let corners = words.next()?.parse::<usize>().ok()?;
        triangles += corners.saturating_sub(2);
        for _ in 0..corners {
            words.next()?;
        }
    }
    Some(Mesh {
        vertices,
        triangles,
    })
}

/// An ASCII PLY whose vertex lines start with x y z.
fn ascii_ply(text: &str) -> Option<Mesh> {
    let mut lines = text.lines();
    let (mut vertex_count, mut face_count) = (0usize, 0usize);
    for line in lines.by_ref() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["format", kind, ..] if *kind != "ascii" => return None,
            ["element", "vertex", n] => vertex_count = n.parse().ok()?,
            ["element", "face", n] => face_count = n.parse().ok()?,
            ["end_header"] => break,
            _ => {}
        }
    }
    let mut vertices = Vec::with_capacity(vertex_count.min(1 << 20));
    for _ in 0..vertex_count {
        vertices.push(point(lines.next()?.split_whitespace())?);
    }
    let mut triangles = 0;
    for _ in 0..face_count {
        let corners: usize = lines.next()?.split_whitespace().next()?.parse().ok()?;
        triangles += corners.saturating_sub(2);
    }
    Some(Mesh {
        vertices,
        triangles,
    })
}

/// `vertex x y z` lines, three per facet.
fn ascii_stl(text: &str) -> Mesh {
    let vertices: Vec<[f64; 3]> = text
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            (fields.next() == Some("vertex")).then(|| point(fields))?
        })
        .collect();
    Mesh {
        triangles: vertices.len() / 3,
        vertices,
    }
}

/// An 80-byte header, a little-endian u32 triangle count, then 50 bytes per triangle
/// (normal, three vertices as f32, attribute).
fn binary_stl(data: &[u8]) -> Option<Mesh> {
    let count = u32::from_le_bytes(data.get(80..84)?.try_into().ok()?) as usize;
    let body = data.get(84..84 + count.checked_mul(50)?)?;
    let float = |bytes: &[u8], at: usize| -> f64 {
        f64::from(f32::from_le_bytes([
            bytes[at],
            bytes[at + 1],
            bytes[at + 2],
            bytes[at + 3],
        ]))
    };
    let mut vertices = Vec::with_capacity(count * 3);
    for triangle in body.chunks_exact(50) {
        for corner in 0..3 {
            let at = 12 + corner * 12;
            vertices.push([
                float(triangle, at),
                float(triangle, at + 4),
                float(triangle, at + 8),
            ]);
        }
    }
    Some(Mesh {
        vertices,
        triangles: count,
    })
}
