//! Tests of resident IDs, credit codes and masking.

use super::*;
use proptest::prelude::*;

// Independent re-statements of the standards for the tests (not the module's tables).
fn gb11643_check(body: &str) -> char {
    let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let s: u32 = body
        .bytes()
        .zip(w)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    b"10X98765432"[(s % 11) as usize] as char
}

fn gb32100_check(body: &str) -> char {
    let alpha = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut s = 0u32;
    let mut w = 1u32;
    for b in body.bytes() {
        let v = alpha.iter().position(|a| *a == b).unwrap() as u32;
        s += v * w;
        w = w * 3 % 31;
    }
    alpha[((31 - s % 31) % 31) as usize] as char
}

#[test]
fn independent_check_helpers_agree_with_published_examples() {
    assert_eq!(gb11643_check("11010519491231002"), 'X');
    assert_eq!(gb11643_check("44052418800101001"), '4');
    assert_eq!(gb32100_check("91350100M000100Y4"), '3');
}

#[test]
fn valid_resident_examples() {
    let a = parse_resident_id("11010519491231002X").unwrap();
    assert_eq!(a.kind, IdKind::Resident);
    assert_eq!(a.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31));
    assert_eq!(a.male, Some(false)); // sequence 002
    let b = parse_resident_id("440524188001010014").unwrap();
    assert_eq!(b.birth_date, NaiveDate::from_ymd_opt(1880, 1, 1));
    assert_eq!(b.male, Some(true)); // sequence 001
}

#[test]
fn lower_case_x_and_spaces_are_normalised() {
    let v = parse_resident_id(" 11010519491231002x\n").unwrap();
    assert_eq!(v.normalized, "11010519491231002X");
    assert_eq!(
        parse_any("11010519491231002x").unwrap().kind,
        IdKind::Resident
    );
}

#[test]
fn legacy_15_digit() {
    let v = parse_resident_id("440524800101001").unwrap();
    assert_eq!(v.kind, IdKind::ResidentLegacy);
    assert_eq!(v.birth_date, NaiveDate::from_ymd_opt(1980, 1, 1));
    assert_eq!(v.male, Some(true));
    let up = v.resident_18().unwrap();
    assert_eq!(
        up,
        format!("44052419800101001{}", gb11643_check("44052419800101001"))
    );
    assert!(parse_resident_id(&up).is_ok());
    assert_eq!(
        parse_any("440524800101001").unwrap().kind,
        IdKind::ResidentLegacy
    );
    assert!(matches!(
        parse_resident_id("440524801301001"),
        Err(IdError::InvalidBirthDate { .. })
    ));
    assert!(matches!(
        parse_resident_id("44052480010100X"),
        Err(IdError::InvalidChar {
            position: 15,
            found: 'X'
        })
    ));
}

#[test]
fn structural_errors_of_resident_ids() {
    let table: &[(&str, IdError)] = &[
        (
            "",
            IdError::WrongLength {
                expected: "18 (or 15)",
                found: 0,
            },
        ),
        (
            "11010519491231002",
            IdError::WrongLength {
                expected: "18 (or 15)",
                found: 17,
            },
        ),
        (
            "1101051949123100X2",
            IdError::InvalidChar {
                position: 17,
                found: 'X',
            },
        ),
        (
            "11010519491231002Y",
            IdError::InvalidChar {
                position: 18,
                found: 'Y',
            },
        ),
        (
            "110105194912310０2X",
            IdError::InvalidChar {
                position: 16,
                found: '０',
            },
        ),
        (
            "11010519490229002X",
            IdError::InvalidBirthDate {
                text: "19490229".into(),
            },
        ),
        (
            "11010518491231002X",
            IdError::InvalidBirthDate {
                text: "18491231".into(),
            },
        ),
        (
            "01010519491231002X",
            IdError::InvalidArea {
                code: "010105".into(),
            },
        ),
    ];
    for (input, want) in table {
        let got = parse_resident_id(input).unwrap_err();
        assert_eq!(&got, want, "{input}");
        assert!(!got.is_overridable());
    }
    let e = parse_resident_id("110105194912310021").unwrap_err();
    assert!(matches!(
        e,
        IdError::ChecksumMismatch {
            kind: IdKind::Resident,
            expected: 'X',
            found: '1',
            ..
        }
    ));
    assert!(
        !e.is_overridable(),
        "resident checksum errors are typos, not overridable"
    );
    assert!(e.to_string().contains("expected X, got 1"));
}

#[test]
fn uscc_examples_and_override() {
    let v = parse_uscc("91350100M000100Y43").unwrap();
    assert_eq!(v.kind, IdKind::Uscc);
    assert_eq!(
        parse_any("91350100m000100y43").unwrap().normalized,
        "91350100M000100Y43"
    );
    let e = parse_uscc("91350100M000100Y4Z").unwrap_err();
    // Z is outside the alphabet: structural, not a checksum problem.
    assert_eq!(
        e,
        IdError::InvalidChar {
            position: 18,
            found: 'Z'
        }
    );
    assert!(!e.is_overridable());
    let e = parse_uscc("91350100M000100Y44").unwrap_err();
    assert!(e.is_overridable());
    assert!(e.to_string().contains("expected 3, got 4"), "{e}");
    let accepted = e.into_overridden().unwrap();
    assert_eq!(accepted.normalized, "91350100M000100Y44");
    for bad in [
        "91350100I000100Y43",
        "91350100O000100Y43",
        "9135010SM000100Y43",
    ] {
        let e = parse_uscc(bad).unwrap_err();
        assert!(matches!(e, IdError::InvalidChar { .. }), "{bad}: {e:?}");
        assert!(!e.is_overridable());
    }
    let e = parse_uscc("91350100M000100Y4").unwrap_err();
    assert_eq!(
        e,
        IdError::WrongLength {
            expected: "18",
            found: 17
        }
    );
    assert!(e.clone().into_overridden().is_none());
}

#[test]
fn parse_any_picks_the_plausible_kind() {
    assert_eq!(
        parse_any("440524188001010014").unwrap().kind,
        IdKind::Resident
    );
    assert_eq!(parse_any("91350100M000100Y43").unwrap().kind, IdKind::Uscc);
    // An all-digit valid credit code (check computed independently) is still accepted.
    let digits = format!("91440101123456789{}", gb32100_check("91440101123456789"));
    assert_eq!(parse_any(&digits).unwrap().kind, IdKind::Uscc);
    // A resident-shaped typo reports the resident error, never an overridable one.
    let e = parse_any("440524188001010015").unwrap_err();
    assert!(matches!(
        e,
        IdError::ChecksumMismatch {
            kind: IdKind::Resident,
            ..
        }
    ));
    assert!(!e.is_overridable());
    // Letters in the body: credit-code error.
    let e = parse_any("91350100M000100Y44").unwrap_err();
    assert!(e.is_overridable());
    assert!(matches!(
        parse_any("12345"),
        Err(IdError::WrongLength { found: 5, .. })
    ));
}

#[test]
fn masking() {
    assert_eq!(mask("440524188001010014"), "4405**********0014");
    assert_eq!(mask("91350100M000100Y43"), "9135**********0Y43");
    assert_eq!(mask("440524800101001"), "4405*******1001");
    assert_eq!(mask("12345"), "*****");
    assert_eq!(mask(""), "");
}

fn resident_body() -> impl Strategy<Value = String> {
    (
        11u32..=82,
        0u32..10_000,
        1850i32..=2025,
        1u32..=12,
        1u32..=28,
        0u32..1000,
    )
        .prop_map(|(prov, rest, y, m, d, seq)| {
            format!("{prov:02}{rest:04}{y:04}{m:02}{d:02}{seq:03}")
        })
}

fn uscc_body() -> impl Strategy<Value = String> {
    proptest::collection::vec(0usize..31, 17).prop_map(|v| {
        v.into_iter()
            .map(|i| b"0123456789ABCDEFGHJKLMNPQRTUWXY"[i] as char)
            .collect()
    })
}

proptest! {
    #[test]
    fn generated_resident_ids_validate(body in resident_body()) {
        let id = format!("{body}{}", gb11643_check(&body));
        let v = parse_resident_id(&id).unwrap();
        prop_assert_eq!(v.kind, IdKind::Resident);
        let seq: u32 = body[14..17].parse().unwrap();
        prop_assert_eq!(v.male, Some(seq % 2 == 1));
        prop_assert_eq!(parse_any(&id).unwrap().kind, IdKind::Resident);
    }

    #[test]
    fn every_single_digit_change_of_a_resident_id_is_detected(
        body in resident_body(),
        pos in 0usize..18,
        replacement in proptest::sample::select(vec!['0','1','2','3','4','5','6','7','8','9','X']),
    ) {
        let id = format!("{body}{}", gb11643_check(&body));
        let mut chars: Vec<char> = id.chars().collect();
        prop_assume!(chars[pos] != replacement);
        chars[pos] = replacement;
        let corrupted: String = chars.into_iter().collect();
        prop_assert!(parse_resident_id(&corrupted).is_err(), "{} -> {}", id, corrupted);
    }

    #[test]
    fn generated_usccs_validate(body in uscc_body()) {
        let code = format!("{body}{}", gb32100_check(&body));
        prop_assert_eq!(parse_uscc(&code).unwrap().kind, IdKind::Uscc);
        prop_assert_eq!(parse_uscc(&code.to_lowercase()).unwrap().normalized, code);
    }

    #[test]
    fn every_single_character_change_of_a_uscc_is_detected(
        body in uscc_body(),
        pos in 0usize..18,
        replacement in 0usize..31,
    ) {
        let code = format!("{body}{}", gb32100_check(&body));
        let mut chars: Vec<char> = code.chars().collect();
        let r = b"0123456789ABCDEFGHJKLMNPQRTUWXY"[replacement] as char;
        prop_assume!(chars[pos] != r);
        chars[pos] = r;
        let corrupted: String = chars.into_iter().collect();
        let e = parse_uscc(&corrupted).unwrap_err();
        prop_assert!(e.is_overridable(), "a valid-charset change is a checksum mismatch");
    }

    #[test]
    fn masking_never_reveals_more_than_8_chars(s in "\\PC{0,40}") {
        let m = mask(&s);
        let trimmed = s.trim();
        prop_assert_eq!(m.chars().count(), trimmed.chars().count());
        let revealed = m.chars().zip(trimmed.chars()).filter(|(a, b)| a == b && *a != '*').count();
        prop_assert!(revealed <= 8);
        prop_assert!(m.chars().filter(|c| *c != '*').count() <= 8);
    }
}
