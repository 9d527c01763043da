//! Responsive copies of uploaded photos: decoded once within a pixel budget, turned upright from
//! their EXIF orientation, resized to each configured width narrower than the original, and
//! encoded in the original's format with no EXIF, XMP or IPTC (the colour profile is kept).

use std::io::Cursor;
use std::sync::Mutex;

use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits};

/// How uploads are resized.
#[derive(Debug, Clone)]
pub struct ImageRules {
    /// The widths of the copies, in pixels; only those narrower than the original are made.
    pub widths: Vec<u32>,
    /// The most pixels (width × height) an upload may decode to; its decoded bytes may be at
    /// most four per pixel of that (8-bit RGBA), so a 16-bit image counts double.
    pub max_pixels: u64,
}

/// An image ready to store: its upright size, the original re-encoded when it had to be
/// (`None`: store the upload as it came), and its copies.
#[derive(Debug)]
pub struct Processed {
    pub width: u32,
    pub height: u32,
    pub reencoded: Option<Vec<u8>>,
    pub variants: Vec<Encoded>,
}

#[derive(Debug)]
pub struct Encoded {
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// Why an image cannot be processed; each names what is wrong with the upload.
#[derive(Debug, PartialEq)]
pub enum ImageProblem {
    TooManyPixels { width: u64, height: u64, max: u64 },
    TooManyBytes { bytes: u64, max: u64 },
    Unreadable(String),
}

impl std::fmt::Display for ImageProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageProblem::TooManyPixels { width, height, max } => write!(
                f,
                "is {width}×{height} pixels; at most {max} pixels can be decoded safely"
            ),
            ImageProblem::TooManyBytes { bytes, max } => write!(
                f,
                "decodes to {} MiB; at most {} MiB can be decoded safely",
                bytes.div_ceil(1 << 20),
                max >> 20
            ),
            ImageProblem::Unreadable(why) => write!(f, "is not a readable image ({why})"),
        }
    }
}

/// The formats that get copies; GIF (animation), AVIF and PDF are stored as they come.
pub fn format_of(content_type: &str) -> Option<ImageFormat> {
    match content_type {
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/png" => Some(ImageFormat::Png),
        "image/webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// One image decodes at a time, so concurrent uploads cannot add up to more memory than the
/// largest one allowed.
static DECODING: Mutex<()> = Mutex::new(());

const JPEG_QUALITY_VARIANT: u8 = 82;
/// A photo whose metadata must go is re-encoded; near-lossless, since it is the original.
const JPEG_QUALITY_ORIGINAL: u8 = 92;

/// Decodes `bytes`, refusing more than `rules.max_pixels` before any pixel is allocated.
/// The original is kept byte for byte unless it carries metadata or a rotation; then it is
/// re-encoded upright without them.
pub fn process(
    bytes: &[u8],
    format: ImageFormat,
    rules: &ImageRules,
) -> Result<Processed, ImageProblem> {
    // The header's claim first, before any decoder work; then the decoder's own reading.
    if let Ok(size) = imagesize::blob_size(bytes) {
        check_pixels(size.width as u64, size.height as u64, rules.max_pixels)?;
    }
    let _one_at_a_time = DECODING.lock().unwrap_or_else(|e| e.into_inner());
    let unreadable = |e: image::ImageError| ImageProblem::Unreadable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    // The decoded image plus the decoder's own buffers.
    limits.max_alloc = Some(rules.max_pixels.saturating_mul(8).saturating_add(16 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    check_pixels(u64::from(width), u64::from(height), rules.max_pixels)?;
    let max_bytes = rules.max_pixels.saturating_mul(4);
    if decoder.total_bytes() > max_bytes {
        return Err(ImageProblem::TooManyBytes {
            bytes: decoder.total_bytes(),
            max: max_bytes,
        });
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let has_metadata = decoder.exif_metadata().ok().flatten().is_some()
        || decoder.xmp_metadata().ok().flatten().is_some()
        || decoder.iptc_metadata().ok().flatten().is_some();
    let icc = decoder.icc_profile().ok().flatten();
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);

    let reencoded = if has_metadata || orientation != Orientation::NoTransforms {
        Some(encode(&picture, format, icc.clone(), JPEG_QUALITY_ORIGINAL)?.bytes)
    } else {
        None
    };
    let (width, height) = (picture.width(), picture.height());
    let mut widths: Vec<u32> = rules
        .widths
        .iter()
        .copied()
        .filter(|w| *w < picture.width())
        .collect();
    widths.sort_unstable_by(|a, b| b.cmp(a));
    widths.dedup();
    let mut variants = Vec::with_capacity(widths.len());
    // Each copy is made from the next larger one: the same look for much less work.
    let mut source = picture;
    for width in widths {
        let height = scaled_height(source.width(), source.height(), width);
        // Halving or more: area averaging, fast and with no float copy of the image (which, at
        // 4000 px, would be the largest allocation of the upload). Less: a Catmull-Rom filter,
        // which does not alias where averaging would.
        source = if source.width() >= 2 * width {
            source.thumbnail_exact(width, height)
        } else {
            source.resize_exact(width, height, FilterType::CatmullRom)
        };
        variants.push(encode(&source, format, icc.clone(), JPEG_QUALITY_VARIANT)?);
    }
    Ok(Processed {
        width,
        height,
        reencoded,
        variants,
    })
}

fn check_pixels(width: u64, height: u64, max: u64) -> Result<(), ImageProblem> {
    if width.saturating_mul(height) > max {
        return Err(ImageProblem::TooManyPixels { width, height, max });
    }
    Ok(())
}

/// The height that keeps the proportions at `width`, at least one pixel.
fn scaled_height(from_width: u32, from_height: u32, width: u32) -> u32 {
    let height = f64::from(from_height) * f64::from(width) / f64::from(from_width);
    (height.round() as u32).max(1)
}

/// Encodes in `format` with no metadata but the colour profile.
fn encode(
    picture: &DynamicImage,
    format: ImageFormat,
    icc: Option<Vec<u8>>,
    jpeg_quality: u8,
) -> Result<Encoded, ImageProblem> {
    let mut out = Vec::new();
    let failed = |e: image::ImageError| ImageProblem::Unreadable(e.to_string());
    match format {
        ImageFormat::Jpeg => {
            // JPEG has no alpha and 8 bits per channel.
            let rgb = match picture {
                DynamicImage::ImageLuma8(_) => picture.clone(),
                _ => DynamicImage::ImageRgb8(picture.to_rgb8()),
            };
            let mut encoder =
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, jpeg_quality);
            if let Some(icc) = icc {
                let _ = encoder.set_icc_profile(icc);
            }
            rgb.write_with_encoder(encoder).map_err(failed)?;
        }
        ImageFormat::WebP => {
            let rgba = if picture.color().has_alpha() {
                DynamicImage::ImageRgba8(picture.to_rgba8())
            } else {
                DynamicImage::ImageRgb8(picture.to_rgb8())
            };
            let mut encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
            if let Some(icc) = icc {
                let _ = encoder.set_icc_profile(icc);
            }
            rgba.write_with_encoder(encoder).map_err(failed)?;
        }
        _ => {
            let mut encoder = image::codecs::png::PngEncoder::new(&mut out);
            if let Some(icc) = icc {
                let _ = encoder.set_icc_profile(icc);
            }
            picture.write_with_encoder(encoder).map_err(failed)?;
        }
    }
    Ok(Encoded {
        width: picture.width(),
        height: picture.height(),
        bytes: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(widths: &[u32]) -> ImageRules {
        ImageRules {
            widths: widths.to_vec(),
            max_pixels: 40_000_000,
        }
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }));
        let mut out = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn copies_keep_proportions_and_skip_widths_at_or_above_the_original() {
        let processed = process(
            &png(1000, 500),
            ImageFormat::Png,
            &rules(&[1920, 1000, 640, 320]),
        )
        .unwrap();
        let sizes: Vec<(u32, u32)> = processed
            .variants
            .iter()
            .map(|v| (v.width, v.height))
            .collect();
        assert_eq!(sizes, [(640, 320), (320, 160)]);
        assert_eq!((processed.width, processed.height), (1000, 500));
        assert!(
            processed.reencoded.is_none(),
            "no metadata: kept as it came"
        );
    }

    #[test]
    fn too_many_pixels_is_refused_before_decoding() {
        let mut tight = rules(&[320]);
        tight.max_pixels = 100 * 100;
        assert_eq!(
            process(&png(200, 100), ImageFormat::Png, &tight).unwrap_err(),
            ImageProblem::TooManyPixels {
                width: 200,
                height: 100,
                max: 10_000
            }
        );
    }

    #[test]
    fn sixteen_bit_images_count_their_bytes_not_only_their_pixels() {
        let deep = DynamicImage::ImageRgba16(image::ImageBuffer::new(100, 100));
        let mut png = Vec::new();
        deep.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let mut tight = rules(&[32]);
        tight.max_pixels = 100 * 100;
        assert_eq!(
            process(&png, ImageFormat::Png, &tight).unwrap_err(),
            ImageProblem::TooManyBytes {
                bytes: 80_000,
                max: 40_000
            }
        );
        tight.max_pixels = 20_000;
        let copies = process(&png, ImageFormat::Png, &tight).unwrap().variants;
        assert_eq!((copies[0].width, copies[0].height), (32, 32));
    }

    #[test]
    fn scaled_heights_round_and_never_vanish() {
        assert_eq!(scaled_height(1000, 667, 320), 213);
        assert_eq!(scaled_height(4000, 1, 320), 1);
    }
}
