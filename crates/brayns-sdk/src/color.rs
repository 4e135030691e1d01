//! Colors, the color methods Brayns' plugins accept, color ramps and opacity curves.
//!
//! ```
//! use brayns_sdk::color::{Color, ColorMethod};
//!
//! let orange: Color = "#ff8000".parse()?;
//! assert_eq!(orange, Color::rgb(1.0, 128.0 / 255.0, 0.0));
//! assert_eq!("red".parse::<Color>()?, Color::RED);
//! assert_eq!(Color::BLUE.with_alpha(0.5).to_array(), [0.0, 0.0, 1.0, 0.5]);
//! assert_eq!(ColorMethod::MorphologySection.as_str(), "morphology section");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! On a connection: [`Brayns::set_model_color`], [`Brayns::color_model_by`],
//! [`Brayns::color_by_palette`] (a circuit by layer, ...), [`Brayns::color_by_sections`],
//! [`Brayns::model_color_ramp`] and [`Brayns::set_model_color_ramp`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::math::DVec4;
use crate::{Brayns, Result, types};

/// A color: red, green, blue and alpha (opacity), each from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Color {
    /// Red.
    pub r: f64,
    /// Green.
    pub g: f64,
    /// Blue.
    pub b: f64,
    /// Alpha: 1 is opaque, 0 transparent.
    pub a: f64,
}

impl Default for Color {
    /// Opaque black.
    fn default() -> Self {
        Self::BLACK
    }
}

/// The named colors [`Color::named`] and `parse` know, with their values.
const PRESETS: [(&str, Color); 12] = [
    ("black", Color::BLACK),
    ("white", Color::WHITE),
    ("red", Color::RED),
    ("green", Color::GREEN),
    ("blue", Color::BLUE),
    ("yellow", Color::YELLOW),
    ("cyan", Color::CYAN),
    ("magenta", Color::MAGENTA),
    ("gray", Color::GRAY),
    ("grey", Color::GRAY),
    ("transparent", Color::TRANSPARENT),
    ("bbp_background", Color::BBP_BACKGROUND),
];

impl Color {
    /// Opaque black.
    pub const BLACK: Self = Self::rgb(0.0, 0.0, 0.0);
    /// Opaque white.
    pub const WHITE: Self = Self::rgb(1.0, 1.0, 1.0);
    /// Opaque red.
    pub const RED: Self = Self::rgb(1.0, 0.0, 0.0);
    /// Opaque green.
    pub const GREEN: Self = Self::rgb(0.0, 1.0, 0.0);
    /// Opaque blue.
    pub const BLUE: Self = Self::rgb(0.0, 0.0, 1.0);
    /// Opaque yellow.
    pub const YELLOW: Self = Self::rgb(1.0, 1.0, 0.0);
    /// Opaque cyan.
    pub const CYAN: Self = Self::rgb(0.0, 1.0, 1.0);
    /// Opaque magenta.
    pub const MAGENTA: Self = Self::rgb(1.0, 0.0, 1.0);
    /// Opaque mid gray.
    pub const GRAY: Self = Self::rgb(0.5, 0.5, 0.5);
    /// Black, fully transparent.
    pub const TRANSPARENT: Self = Self::rgba(0.0, 0.0, 0.0, 0.0);
    /// Blue Brain's dark blue background, opaque.
    pub const BBP_BACKGROUND: Self = Self::rgb(0.004, 0.016, 0.102);

    /// An opaque color.
    pub const fn rgb(r: f64, g: f64, b: f64) -> Self {
        Self::rgba(r, g, b, 1.0)
    }

    /// A color with its alpha.
    pub const fn rgba(r: f64, g: f64, b: f64, a: f64) -> Self {
        Self { r, g, b, a }
    }

    /// An opaque color from 8-bit components (0 to 255).
    pub fn rgb8(r: u8, g: u8, b: u8) -> Self {
        Self::rgb(
            f64::from(r) / 255.0,
            f64::from(g) / 255.0,
            f64::from(b) / 255.0,
        )
    }

    /// The preset called `name` (`red`, `bbp_background`...; case is ignored).
    pub fn named(name: &str) -> Option<Self> {
        PRESETS
            .iter()
            .find(|(preset, _)| preset.eq_ignore_ascii_case(name))
            .map(|(_, color)| *color)
    }

    /// Parses a hexadecimal color: `RRGGBB` or `RRGGBBAA`, bare or after `#` or `0x`
    /// (`#0a12f5`, `0x0a12f5`, `0a12f5cc`), or the short `#RGB` (with its `#`).
    pub fn from_hex(text: &str) -> std::result::Result<Self, ParseColorError> {
        let digits = text
            .strip_prefix('#')
            .or_else(|| text.strip_prefix("0x"))
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(text);
        let value = |index: usize, width: usize| -> std::result::Result<f64, ParseColorError> {
            let part = digits.get(index..index + width).unwrap_or_default();
            let value = u8::from_str_radix(part, 16).map_err(|_| ParseColorError::Digits {
                text: text.to_owned(),
            })?;
            Ok(if width == 1 {
                f64::from(value * 17) / 255.0
            } else {
                f64::from(value) / 255.0
            })
        };
        if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(ParseColorError::Digits {
                text: text.to_owned(),
            });
        }
        match digits.len() {
            3 if text.starts_with('#') => Ok(Self::rgb(value(0, 1)?, value(1, 1)?, value(2, 1)?)),
            6 => Ok(Self::rgb(value(0, 2)?, value(2, 2)?, value(4, 2)?)),
            8 => Ok(Self::rgba(
                value(0, 2)?,
                value(2, 2)?,
                value(4, 2)?,
                value(6, 2)?,
            )),
            length => Err(ParseColorError::Length {
                text: text.to_owned(),
                length,
            }),
        }
    }

    /// The same color with alpha `a`.
    pub const fn with_alpha(self, a: f64) -> Self {
        Self { a, ..self }
    }

    /// The same color, opaque.
    pub const fn opaque(self) -> Self {
        self.with_alpha(1.0)
    }

    /// The same color, fully transparent.
    pub const fn transparent(self) -> Self {
        self.with_alpha(0.0)
    }

    /// `[r, g, b, a]`: what the generated fields take.
    pub const fn to_array(self) -> [f64; 4] {
        [self.r, self.g, self.b, self.a]
    }

    /// `[r, g, b]`.
    pub const fn rgb_array(self) -> [f64; 3] {
        [self.r, self.g, self.b]
    }

    /// `#RRGGBB`, or `#RRGGBBAA` when not opaque; components are clamped to 0..=1.
    pub fn to_hex(self) -> String {
        let byte = |value: f64| (value.clamp(0.0, 1.0) * 255.0).round() as u8;
        let rgb = format!(
            "#{:02x}{:02x}{:02x}",
            byte(self.r),
            byte(self.g),
            byte(self.b)
        );
        if self.a >= 1.0 {
            rgb
        } else {
            format!("{rgb}{:02x}", byte(self.a))
        }
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A text that is neither a hexadecimal color nor a preset's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseColorError {
    /// Not 3, 6 or 8 hexadecimal digits (after an optional `#` or `0x`), nor a preset.
    #[error("{text:?} is not a color: {length} digits, expected 3, 6 or 8 (or a color name)")]
    Length {
        /// The text.
        text: String,
        /// How many characters it has after its prefix.
        length: usize,
    },
    /// Characters that are not hexadecimal digits.
    #[error("{text:?} is not a color: not hexadecimal digits (nor a color name)")]
    Digits {
        /// The text.
        text: String,
    },
}

impl FromStr for Color {
    type Err = ParseColorError;

    /// A preset's name ([`Color::named`]) or a hexadecimal color ([`Color::from_hex`]).
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        Self::named(text).map_or_else(|| Self::from_hex(text), Ok)
    }
}

impl From<[f64; 4]> for Color {
    fn from([r, g, b, a]: [f64; 4]) -> Self {
        Self::rgba(r, g, b, a)
    }
}

impl From<[f64; 3]> for Color {
    /// Opaque.
    fn from([r, g, b]: [f64; 3]) -> Self {
        Self::rgb(r, g, b)
    }
}

impl From<Color> for [f64; 4] {
    fn from(color: Color) -> Self {
        color.to_array()
    }
}

impl From<DVec4> for Color {
    fn from(color: DVec4) -> Self {
        color.to_array().into()
    }
}

impl From<Color> for DVec4 {
    fn from(color: Color) -> Self {
        color.to_array().into()
    }
}

/// How `color-model` colors a model: the methods of Brayns' core and plugins.
///
/// Which a model accepts depends on its type and the plugins loaded
/// ([`get_color_methods`](Brayns::get_color_methods)); the values each method takes are
/// listed by [`get_color_values`](Brayns::get_color_values) (for example the layers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ColorMethod {
    /// `solid`, core: one color for the whole model, value `color`.
    Solid,
    /// `primitive`, core: by geometry primitive index (`0,2,4-6`).
    Primitive,
    /// `triangle`, core: meshes by triangle index.
    Triangle,
    /// `vertex`, core: meshes by vertex index.
    Vertex,
    /// `id`, circuits: by cell id (`1,2,5-10`).
    Id,
    /// `etype`, circuits: by electrical type.
    Etype,
    /// `mtype`, circuits: by morphological type.
    Mtype,
    /// `layer`, circuits: by cortical layer.
    Layer,
    /// `region`, circuits: by brain region.
    Region,
    /// `hemisphere`, circuits.
    Hemisphere,
    /// `morphology`, circuits: by morphology name.
    Morphology,
    /// `morphology class`, circuits.
    MorphologyClass,
    /// `morphology section`, circuits and morphologies: by section type, see
    /// [`MorphologySection`].
    MorphologySection,
    /// `morphology section geometry`, morphologies: by section geometry.
    MorphologySectionGeometry,
    /// `subregion`, circuits.
    Subregion,
    /// `synapse class`, circuits.
    SynapseClass,
}

impl ColorMethod {
    /// Every method.
    pub const ALL: [Self; 16] = [
        Self::Solid,
        Self::Primitive,
        Self::Triangle,
        Self::Vertex,
        Self::Id,
        Self::Etype,
        Self::Mtype,
        Self::Layer,
        Self::Region,
        Self::Hemisphere,
        Self::Morphology,
        Self::MorphologyClass,
        Self::MorphologySection,
        Self::MorphologySectionGeometry,
        Self::Subregion,
        Self::SynapseClass,
    ];

    /// The method's name in Brayns.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Solid => "solid",
            Self::Primitive => "primitive",
            Self::Triangle => "triangle",
            Self::Vertex => "vertex",
            Self::Id => "id",
            Self::Etype => "etype",
            Self::Mtype => "mtype",
            Self::Layer => "layer",
            Self::Region => "region",
            Self::Hemisphere => "hemisphere",
            Self::Morphology => "morphology",
            Self::MorphologyClass => "morphology class",
            Self::MorphologySection => "morphology section",
            Self::MorphologySectionGeometry => "morphology section geometry",
            Self::Subregion => "subregion",
            Self::SynapseClass => "synapse class",
        }
    }
}

impl fmt::Display for ColorMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A color method name that is not one of [`ColorMethod`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown color method {0:?}")]
pub struct UnknownColorMethod(pub String);

impl FromStr for ColorMethod {
    type Err = UnknownColorMethod;

    fn from_str(name: &str) -> std::result::Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|method| method.as_str() == name)
            .ok_or_else(|| UnknownColorMethod(name.to_owned()))
    }
}

/// The section types [`ColorMethod::MorphologySection`] colors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MorphologySection {
    /// `soma`.
    Soma,
    /// `axon`.
    Axon,
    /// `dendrite` (basal dendrites).
    Dendrite,
    /// `apical_dendrite`.
    ApicalDendrite,
}

impl MorphologySection {
    /// The section type's value for `color-model`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Soma => "soma",
            Self::Axon => "axon",
            Self::Dendrite => "dendrite",
            Self::ApicalDendrite => "apical_dendrite",
        }
    }
}

/// The simulation values a [`ColorRamp`] spreads its colors over.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ValueRange {
    /// The value of the first color (and below).
    pub min: f64,
    /// The value of the last color (and above).
    pub max: f64,
}

impl ValueRange {
    /// `min..max`.
    pub const fn new(min: f64, max: f64) -> Self {
        Self { min, max }
    }

    /// `max - min`.
    pub fn size(&self) -> f64 {
        self.max - self.min
    }

    /// Where `value` is in the range: 0 at `min`, 1 at `max` (not clamped).
    pub fn normalize(&self, value: f64) -> f64 {
        (value - self.min) / self.size()
    }
}

/// How simulation values (voltages...) map to colors: `colors` evenly spread over `range`,
/// interpolated linearly; values out of the range take the end colors.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColorRamp {
    /// The values the colors span.
    pub range: ValueRange,
    /// The colors, from `range.min` to `range.max`.
    pub colors: Vec<Color>,
}

impl ColorRamp {
    /// The same ramp with each color's opacity from `curve`.
    pub fn with_opacity(mut self, curve: &OpacityCurve) -> Self {
        self.colors = curve.apply(&self.colors);
        self
    }
}

impl From<types::ColorRamp> for ColorRamp {
    /// Missing parts are empty: no colors, range 0..0.
    fn from(ramp: types::ColorRamp) -> Self {
        Self {
            range: ramp
                .range
                .map(|[min, max]| ValueRange::new(min, max))
                .unwrap_or_default(),
            colors: ramp
                .colors
                .unwrap_or_default()
                .into_iter()
                .map(Color::from)
                .collect(),
        }
    }
}

impl From<ColorRamp> for types::ColorRamp {
    fn from(ramp: ColorRamp) -> Self {
        Self {
            range: Some([ramp.range.min, ramp.range.max]),
            colors: Some(ramp.colors.into_iter().map(Color::to_array).collect()),
        }
    }
}

/// A point of an [`OpacityCurve`]: the opacity at a normalized value (0 at the ramp's first
/// color, 1 at its last).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControlPoint {
    /// The normalized value, 0 to 1.
    pub value: f64,
    /// The opacity there, 0 to 1.
    pub opacity: f64,
}

impl ControlPoint {
    /// The opacity `opacity` at `value`.
    pub const fn new(value: f64, opacity: f64) -> Self {
        Self { value, opacity }
    }
}

/// Opacity as a piecewise linear function of the normalized value, through its control
/// points; unless points are given at 0 and 1, the curve starts at (0, 0) and ends at
/// (1, 1).
///
/// ```
/// use brayns_sdk::color::{Color, ControlPoint, OpacityCurve};
///
/// // Transparent low values, opaque high ones, a ramp in between.
/// let curve = OpacityCurve::new([ControlPoint::new(0.25, 0.0), ControlPoint::new(0.75, 1.0)]);
/// let colors = curve.apply(&[Color::RED; 5]);
/// let opacities: Vec<f64> = colors.iter().map(|color| color.a).collect();
/// assert_eq!(opacities, [0.0, 0.0, 0.5, 1.0, 1.0]);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpacityCurve {
    points: Vec<ControlPoint>,
}

impl OpacityCurve {
    /// The curve through `points`, in any order (sorted by value here).
    pub fn new(points: impl IntoIterator<Item = ControlPoint>) -> Self {
        let mut points: Vec<ControlPoint> = points.into_iter().collect();
        points.sort_by(|a, b| a.value.total_cmp(&b.value));
        Self { points }
    }

    /// The control points, sorted by value.
    pub fn points(&self) -> &[ControlPoint] {
        &self.points
    }

    /// The opacity at normalized `value`.
    pub fn opacity_at(&self, value: f64) -> f64 {
        let upper = self.points.partition_point(|point| point.value < value);
        let lower = match upper.checked_sub(1) {
            Some(index) => self.points[index],
            None => ControlPoint::new(0.0, 0.0),
        };
        let upper = self
            .points
            .get(upper)
            .copied()
            .unwrap_or(ControlPoint::new(1.0, 1.0));
        if upper.value <= lower.value {
            return upper.opacity;
        }
        let t = (value - lower.value) / (upper.value - lower.value);
        lower.opacity + t * (upper.opacity - lower.opacity)
    }

    /// `colors` with their opacity from the curve, the first at value 0 and the last at 1.
    pub fn apply(&self, colors: &[Color]) -> Vec<Color> {
        let last = colors.len().saturating_sub(1).max(1) as f64;
        colors
            .iter()
            .enumerate()
            .map(|(index, color)| color.with_alpha(self.opacity_at(index as f64 / last)))
            .collect()
    }
}

impl Brayns {
    /// Colors the model `model_id` by `method` (`color-model`): `values` maps each of the
    /// method's values ([`get_color_values`](Self::get_color_values); for ids, lists
    /// such as `0,2,4-6`) to its color.
    pub async fn color_model_by<K, I>(
        &self,
        model_id: u64,
        method: ColorMethod,
        values: I,
    ) -> Result<()>
    where
        K: Into<String>,
        I: IntoIterator<Item = (K, Color)>,
    {
        let values: BTreeMap<String, [f64; 4]> = values
            .into_iter()
            .map(|(value, color)| (value.into(), color.to_array()))
            .collect();
        self.color_model(&types::ColorModelMessage {
            id: model_id,
            method: method.as_str().to_owned(),
            values,
        })
        .await
    }

    /// Colors the whole model `model_id` with `color` (method `solid`).
    pub async fn set_model_color(&self, model_id: u64, color: Color) -> Result<()> {
        self.color_model_by(model_id, ColorMethod::Solid, [("color", color)])
            .await
    }

    /// Colors the model `model_id` by `method`, giving each of its values
    /// ([`get_color_values`](Self::get_color_values), in the order Brayns lists them) the
    /// next color of `palette`, cycling: a circuit by [`ColorMethod::Layer`], by
    /// [`ColorMethod::Mtype`]... Returns the values with their colors. An empty palette
    /// colors nothing.
    pub async fn color_by_palette(
        &self,
        model_id: u64,
        method: ColorMethod,
        palette: &[Color],
    ) -> Result<Vec<(String, Color)>> {
        if palette.is_empty() {
            return Ok(Vec::new());
        }
        let values = self
            .get_color_values(&types::ColorMethodValuesMessage {
                id: model_id,
                method: method.as_str().to_owned(),
            })
            .await?;
        let colored: Vec<(String, Color)> = values
            .into_iter()
            .zip(palette.iter().copied().cycle())
            .collect();
        self.color_model_by(model_id, method, colored.iter().cloned())
            .await?;
        Ok(colored)
    }

    /// Colors the sections of a morphology or circuit model by type (method
    /// `morphology section`).
    pub async fn color_by_sections(
        &self,
        model_id: u64,
        colors: impl IntoIterator<Item = (MorphologySection, Color)>,
    ) -> Result<()> {
        let values = colors
            .into_iter()
            .map(|(section, color)| (section.as_str(), color));
        self.color_model_by(model_id, ColorMethod::MorphologySection, values)
            .await
    }

    /// The color ramp of the model `model_id` (`get-color-ramp`).
    pub async fn model_color_ramp(&self, model_id: u64) -> Result<ColorRamp> {
        Ok(self
            .get_color_ramp(&types::GetModelMessage { id: model_id })
            .await?
            .into())
    }

    /// Sets the color ramp of the model `model_id` (`set-color-ramp`).
    pub async fn set_model_color_ramp(&self, model_id: u64, ramp: &ColorRamp) -> Result<()> {
        self.set_color_ramp(&types::SetColorRampMessage {
            id: model_id,
            color_ramp: ramp.clone().into(),
        })
        .await
    }
}
