//! [`Secret<T>`]: a value that never shows itself in `Debug`, `Display` or logs
//! and is wiped from memory when dropped.

use std::fmt;

use zeroize::Zeroize;

/// A secret value: SK, passwords, tokens, GUIDs.
///
/// `Debug` and `Display` print `***`; the memory is zeroized on drop. Read
/// the value with [`Secret::expose`] only where it is put on the wire.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The wrapped value. Use it only to put it on the wire.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl Secret<String> {
    /// The secret as `&str`.
    pub fn expose_str(&self) -> &str {
        &self.0
    }

    /// True when the secret is an empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<T: Zeroize> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl<T: Zeroize + serde::Serialize> serde::Serialize for Secret<T> {
    /// Serializes the value itself: serialization is for the wire only.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Zeroize + serde::Deserialize<'de>> serde::Deserialize<'de> for Secret<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::from("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(s.expose_str(), "hunter2-very-secret");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            sk: Secret<String>,
        }
        let h = Holder { sk: s.clone() };
        assert!(!format!("{h:?}").contains("hunter2"));
        assert!(!format!("{h:#?}").contains("hunter2"));
    }
}
