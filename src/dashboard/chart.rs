//! Line charts of scores across runs, drawn as inline SVG on the server: the dashboard runs
//! no script at all, so its CSP can forbid every script and a chart still renders (and
//! prints).

use std::fmt::Write as _;

use crate::report::html::esc;

/// One line: its name and a score (0..1) per point of the x axis; `None` where the run had
/// no score for it (the line breaks there).
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// Distinct colours for up to ten lines; more lines reuse them with a dash pattern.
const COLOURS: [&str; 10] = [
    "#1f4e79", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#ad1457", "#558b2f", "#455a64",
];

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;

/// An SVG chart: y from 0 to 100 (%), one x position per label (a run), a legend below.
/// Names and labels are escaped (unit names come from the catalog, but labels may not).
pub fn lines(title: &str, labels: &[String], series: &[Series]) -> String {
    let legend_rows = series.len().div_ceil(3);
    let height = HEIGHT + 18.0 * legend_rows as f64;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| {
        if labels.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (labels.len() - 1) as f64
        }
    };
    let y = |v: f64| TOP + plot_h * (1.0 - v.clamp(0.0, 1.0));
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{}</title>",
        esc(title)
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d7dde3\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#52606d\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(tick) + 4.0,
            (tick * 100.0) as i64,
            y = y(tick),
        );
    }
    // At most ~12 x labels, evenly spread, so a year of nightly runs stays readable.
    let step = labels.len().div_ceil(12).max(1);
    for (i, label) in labels.iter().enumerate() {
        if i % step == 0 || i + 1 == labels.len() {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#52606d\">{}</text>",
                x(i),
                HEIGHT - BOTTOM + 16.0,
                esc(label)
            );
        }
    }
    for (n, s) in series.iter().enumerate() {
        let colour = COLOURS[n % COLOURS.len()];
        let dash = if n >= COLOURS.len() {
            " stroke-dasharray=\"5 3\""
        } else {
            ""
        };
        // A gap in the values splits the line into segments.
        let mut segment: Vec<String> = Vec::new();
        let flush = |segment: &mut Vec<String>, svg: &mut String| {
            if segment.len() > 1 {
                let _ = write!(
                    svg,
                    "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
                    segment.join(" ")
                );
            }
            segment.clear();
        };
        for (i, value) in s.values.iter().enumerate() {
            match value {
                Some(v) => {
                    segment.push(format!("{:.1},{:.1}", x(i), y(*v)));
                    let _ = write!(
                        svg,
                        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{} {}：{:.1}</title></circle>",
                        x(i),
                        y(*v),
                        esc(&s.name),
                        esc(labels.get(i).map_or("", String::as_str)),
                        v * 100.0
                    );
                }
                None => flush(&mut segment, &mut svg),
            }
        }
        flush(&mut segment, &mut svg);
        let (lx, ly) = (LEFT + (n % 3) as f64 * 240.0, HEIGHT + 18.0 * (n / 3) as f64);
        let _ = write!(
            svg,
            "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"14\" height=\"4\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"#1f2933\">{}</text>",
            ly - 6.0,
            lx + 20.0,
            esc(&s.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_per_series_broken_at_missing_scores_and_names_escaped() {
        let labels: Vec<String> = ["第1次", "第2次", "第3次", "第4次"].map(String::from).to_vec();
        let svg = lines(
            "趋势",
            &labels,
            &[
                Series {
                    name: "<script>alert(1)</script>".into(),
                    values: vec![Some(0.5), Some(0.6), None, Some(0.9)],
                },
                Series {
                    name: "决策公开".into(),
                    values: vec![Some(0.2), Some(0.4), Some(0.6), Some(0.8)],
                },
            ],
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        // The first series has a two-point segment and a lone point (no line for it).
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 7);
        // 100% is at the top of the plot, 0% at its bottom.
        assert!(svg.contains(&format!("{LEFT:.1},{:.1}", TOP + (HEIGHT - TOP - BOTTOM) * 0.8)));
    }

    #[test]
    fn one_run_is_a_point_in_the_middle() {
        let svg = lines(
            "t",
            &["第1次".to_string()],
            &[Series {
                name: "a".into(),
                values: vec![Some(1.0)],
            }],
        );
        assert!(!svg.contains("<polyline"));
        assert!(svg.contains(&format!(
            "cx=\"{:.1}\" cy=\"{TOP:.1}\"",
            LEFT + (WIDTH - LEFT - RIGHT) / 2.0
        )));
    }
}
