//! QR codes the printer would print decode back to the same payload.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use device::printer::{decode, qr_payloads, EscPos, Op, PaperWidth, QrEc, QrOptions};

/// Decodes every QR code found in a 1-bit raster (MSB first, 1 = black).
fn scan_raster(width_bytes: usize, height: usize, data: &[u8]) -> Vec<String> {
    let width = width_bytes * 8;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        let byte = data[y * width_bytes + x / 8];
        if byte & (0x80 >> (x % 8)) != 0 {
            0
        } else {
            255
        }
    });
    img.detect_grids()
        .into_iter()
        .map(|g| g.decode().expect("QR decodes").1)
        .collect()
}

#[test]
fn raster_qr_decodes_to_the_payload() {
    for payload in [
        "TK:20261122-A023",
        "DV1.eyJrIjoiVEgtMjAyNi0xMTIyMDAwMTciLCJkIjoiMjAyNjExMjIifQ.c2lnbmF0dXJl",
    ] {
        let mut e = EscPos::new(PaperWidth::Mm58);
        e.qr_raster(
            payload,
            QrOptions {
                module_size: 4,
                ec: QrEc::M,
            },
        )
        .unwrap();
        let ops = decode(&e.finish().bytes);
        let (width_bytes, height, data) = ops
            .iter()
            .find_map(|op| match op {
                Op::Raster {
                    width_bytes,
                    height,
                    data,
                } => Some((*width_bytes, *height, data.clone())),
                _ => None,
            })
            .expect("raster op");
        assert!(width_bytes * 8 <= PaperWidth::Mm58.dots());
        assert_eq!(
            scan_raster(width_bytes, height, &data),
            vec![payload.to_string()]
        );
    }
}

#[test]
fn native_qr_payload_encodes_to_a_decodable_matrix() {
    let payload = "TK:20261122-A023";
    let mut e = EscPos::new(PaperWidth::Mm80);
    e.qr(payload, QrOptions::default()).unwrap();
    let stored = qr_payloads(&decode(&e.finish().bytes));
    assert_eq!(stored, vec![payload.as_bytes().to_vec()]);
    // What the printer draws for those bytes, decoded by an independent reader.
    let code = qrcode::QrCode::with_error_correction_level(&stored[0], qrcode::EcLevel::M).unwrap();
    let w = code.width();
    let colors = code.to_colors();
    let grid = rqrr::SimpleGrid::from_func(w, |x, y| colors[y * w + x] == qrcode::Color::Dark);
    let (_, text) = rqrr::Grid::new(grid).decode().unwrap();
    assert_eq!(text.as_bytes(), stored[0].as_slice());
}
