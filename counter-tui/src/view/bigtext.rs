//! Ticket numbers in large block letters (5 rows), readable from a step away at the kiosk.

/// 3×5 glyphs for what ticket numbers use; other characters fall back to a plain cell.
fn glyph(c: char) -> Option<[&'static str; 5]> {
    Some(match c.to_ascii_uppercase() {
        '0' => ["###", "# #", "# #", "# #", "###"],
        '1' => [" # ", "## ", " # ", " # ", "###"],
        '2' => ["###", "  #", "###", "#  ", "###"],
        '3' => ["###", "  #", "###", "  #", "###"],
        '4' => ["# #", "# #", "###", "  #", "  #"],
        '5' => ["###", "#  ", "###", "  #", "###"],
        '6' => ["###", "#  ", "###", "# #", "###"],
        '7' => ["###", "  #", "  #", "  #", "  #"],
        '8' => ["###", "# #", "###", "# #", "###"],
        '9' => ["###", "# #", "###", "  #", "###"],
        'A' => ["###", "# #", "###", "# #", "# #"],
        'B' => ["## ", "# #", "## ", "# #", "## "],
        'C' => ["###", "#  ", "#  ", "#  ", "###"],
        'D' => ["## ", "# #", "# #", "# #", "## "],
        'E' => ["###", "#  ", "###", "#  ", "###"],
        'F' => ["###", "#  ", "###", "#  ", "#  "],
        _ => return None,
    })
}

/// Five lines of block text; each glyph pixel is two cells wide (terminal cells are tall).
#[must_use]
pub fn lines(text: &str) -> [String; 5] {
    let mut rows: [String; 5] = Default::default();
    for (i, c) in text.chars().enumerate() {
        let g = glyph(c);
        for (r, row) in rows.iter_mut().enumerate() {
            if i > 0 {
                row.push_str("  ");
            }
            match g {
                Some(g) => {
                    for p in g[r].chars() {
                        row.push_str(if p == '#' { "██" } else { "  " });
                    }
                }
                None if r == 2 => row.push_str(&format!("  {c}   ")),
                None => row.push_str("      "),
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    #[test]
    fn block_letters() {
        let l = super::lines("A1");
        assert_eq!(l[0], "██████    ██  ");
        assert!(l.iter().all(|r| r.chars().count() == 14));
    }
}
