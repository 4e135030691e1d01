//! Reading and writing generated fields whose shape differs between Brayns releases.
//!
//! A few schemas of Brayns 3.0 and 3.1 leave optional what later releases require (a
//! model's `bounds`, the bounds' `min` and `max`, the simulation's `dt`...), so the same
//! field is `[f64; 3]` in one release's bindings and `Option<[f64; 3]>` in another's. The
//! hand-written layer reads such fields with [`field`] and writes them with [`wrap`], which
//! accept both shapes, so one source compiles against every release.

/// A field that holds a `T`, required ([`T`]) or optional (`Option<T>`).
pub(crate) trait Field<T> {
    /// The value, `None` when an optional field is missing.
    fn into_option(self) -> Option<T>;
}

impl<T> Field<T> for T {
    fn into_option(self) -> Option<T> {
        Some(self)
    }
}

impl<T> Field<T> for Option<T> {
    fn into_option(self) -> Option<T> {
        self
    }
}

/// The value of a required or optional field, `None` when an optional one is missing.
pub(crate) fn field<T>(value: impl Field<T>) -> Option<T> {
    value.into_option()
}

/// A field's type made from its value: the value itself, or `Some(value)`.
pub(crate) trait Wrap<T> {
    /// The field holding `value`.
    fn wrap(value: T) -> Self;
}

impl<T> Wrap<T> for T {
    fn wrap(value: T) -> Self {
        value
    }
}

impl<T> Wrap<T> for Option<T> {
    fn wrap(value: T) -> Self {
        Some(value)
    }
}

/// `value` as a field of either shape (the type is inferred from the field).
pub(crate) fn wrap<T, W: Wrap<T>>(value: T) -> W {
    W::wrap(value)
}

#[cfg(test)]
mod tests {
    use super::{field, wrap};

    #[test]
    fn both_shapes_read_and_write() {
        assert_eq!(field::<[f64; 3]>([1.0, 2.0, 3.0]), Some([1.0, 2.0, 3.0]));
        assert_eq!(
            field::<[f64; 3]>(Some([1.0, 2.0, 3.0])),
            Some([1.0, 2.0, 3.0])
        );
        assert_eq!(field::<[f64; 3]>(None::<[f64; 3]>), None);
        let required: f64 = wrap(2.0);
        let optional: Option<f64> = wrap(2.0);
        assert_eq!((required, optional), (2.0, Some(2.0)));
    }
}
