//! A profile picture someone uploaded: one of three image types, known from the bytes
//! themselves (never from what the uploader declared), at most [`MAX_PICTURE_BYTES`].

use uuid::Uuid;

/// The largest picture accepted: 1 MiB.
pub const MAX_PICTURE_BYTES: usize = 1024 * 1024;

/// The image types we accept and serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureType {
    Png,
    Jpeg,
    Webp,
}

impl PictureType {
    /// The type the bytes are, by their signature, if one of ours.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(Self::Jpeg)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }

    pub fn parse_mime(value: &str) -> Option<Self> {
        match value {
            "image/png" => Some(Self::Png),
            "image/jpeg" => Some(Self::Jpeg),
            "image/webp" => Some(Self::Webp),
            _ => None,
        }
    }
}

/// A stored picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Its public handle (`/pictures/<id>`), new for every upload.
    pub id: Uuid,
    pub kind: PictureType,
    pub data: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_read_from_the_bytes() {
        assert_eq!(
            PictureType::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(PictureType::Png)
        );
        assert_eq!(
            PictureType::sniff(&[0xff, 0xd8, 0xff, 0xe0]),
            Some(PictureType::Jpeg)
        );
        assert_eq!(
            PictureType::sniff(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some(PictureType::Webp)
        );
        assert_eq!(
            PictureType::sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            None
        );
        assert_eq!(PictureType::sniff(b"GIF89a"), None);
        assert_eq!(PictureType::sniff(b"RIFF"), None);
    }
}
