//! Charts as SVG, drawn by hand: a milestone's burndown and a cumulative flow diagram. Pure:
//! series in, SVG text out.

use std::fmt::Write as _;

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 180.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
/// Colours for series, picked to stay apart for common colour blindness.
const PALETTE: &[&str] = &[
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999", "#000000", "#882255",
    "#44aa99",
];

/// One named series of values, one per x label.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
    pub dashed: bool,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn frame(title: &str, labels: &[String], max: f64, svg: &mut String) -> (f64, f64) {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(svg, r#"<text x="{LEFT}" y="24" font-size="16" font-weight="bold">{}</text>"#, escape(title));
    // Horizontal grid with values.
    for step in 0..=4 {
        let value = max * f64::from(step) / 4.0;
        let y = TOP + plot_h - plot_h * f64::from(step) / 4.0;
        let _ =
            writeln!(svg, r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/>"##, LEFT + plot_w);
        let _ = writeln!(svg, r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{value:.1}</text>"#, LEFT - 6.0, y + 4.0);
    }
    // X labels: at most about ten.
    let n = labels.len().max(1);
    let every = n.div_ceil(10);
    for (i, label) in labels.iter().enumerate().filter(|(i, _)| i % every == 0 || *i == n - 1) {
        let x = x_at(i, n, plot_w);
        let _ = writeln!(
            svg,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            TOP + plot_h + 18.0,
            escape(label)
        );
    }
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/>"##,
        TOP + plot_h,
        LEFT + plot_w,
        TOP + plot_h
    );
    let _ = writeln!(svg, r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{:.1}" stroke="#333"/>"##, TOP + plot_h);
    (plot_w, plot_h)
}

#[allow(clippy::cast_precision_loss)]
fn x_at(i: usize, n: usize, plot_w: f64) -> f64 {
    if n <= 1 { LEFT } else { LEFT + plot_w * i as f64 / (n - 1) as f64 }
}

fn legend(svg: &mut String, names: &[(&str, &str)]) {
    for (i, (name, colour)) in names.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let y = TOP + 10.0 + 20.0 * i as f64;
        let x = WIDTH - RIGHT + 16.0;
        let _ = writeln!(svg, r#"<rect x="{x}" y="{:.1}" width="12" height="12" fill="{colour}"/>"#, y - 10.0);
        let _ = writeln!(svg, r#"<text x="{:.1}" y="{y:.1}">{}</text>"#, x + 18.0, escape(name));
    }
}

/// A line chart: one polyline per series (gaps where a value is missing).
pub fn lines(title: &str, labels: &[String], series: &[Series]) -> String {
    let max = series.iter().flat_map(|s| s.values.iter().flatten()).copied().fold(1.0_f64, f64::max);
    let mut svg = String::new();
    let (plot_w, plot_h) = frame(title, labels, max, &mut svg);
    let n = labels.len();
    let mut names = Vec::new();
    for (index, s) in series.iter().enumerate() {
        let colour = PALETTE[index % PALETTE.len()];
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x_at(i, n, plot_w), TOP + plot_h - plot_h * v / max)))
            .collect();
        let dash = if s.dashed { r#" stroke-dasharray="6 4""# } else { "" };
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2.5"{dash} points="{}"/>"#,
            points.join(" ")
        );
        names.push((s.name.as_str(), colour));
    }
    legend(&mut svg, &names);
    svg.push_str("</svg>\n");
    svg
}

/// A stacked area chart: the series stacked in order, the first at the bottom.
pub fn stacked(title: &str, labels: &[String], series: &[Series]) -> String {
    let n = labels.len();
    let totals: Vec<f64> =
        (0..n).map(|i| series.iter().map(|s| s.values.get(i).copied().flatten().unwrap_or(0.0)).sum()).collect();
    let max = totals.iter().copied().fold(1.0_f64, f64::max);
    let mut svg = String::new();
    let (plot_w, plot_h) = frame(title, labels, max, &mut svg);
    let mut below = vec![0.0; n];
    let mut names = Vec::new();
    for (index, s) in series.iter().enumerate() {
        let colour = PALETTE[index % PALETTE.len()];
        let above: Vec<f64> = (0..n).map(|i| below[i] + s.values.get(i).copied().flatten().unwrap_or(0.0)).collect();
        let y = |v: f64| TOP + plot_h - plot_h * v / max;
        let mut points: Vec<String> = (0..n).map(|i| format!("{:.1},{:.1}", x_at(i, n, plot_w), y(above[i]))).collect();
        points.extend((0..n).rev().map(|i| format!("{:.1},{:.1}", x_at(i, n, plot_w), y(below[i]))));
        let _ = writeln!(
            svg,
            r#"<polygon fill="{colour}" fill-opacity="0.85" stroke="white" stroke-width="0.5" points="{}"/>"#,
            points.join(" ")
        );
        names.push((s.name.as_str(), colour));
        below = above;
    }
    // Top of the legend is the top of the stack.
    names.reverse();
    legend(&mut svg, &names);
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_well_formed_svg() {
        let labels: Vec<String> = (1..=5).map(|d| format!("11-0{d}")).collect();
        let series = vec![
            Series {
                name: "remaining".into(),
                values: vec![Some(8.0), Some(6.0), None, Some(3.0), Some(1.0)],
                dashed: false,
            },
            Series {
                name: "ideal".into(),
                values: vec![Some(8.0), Some(6.0), Some(4.0), Some(2.0), Some(0.0)],
                dashed: true,
            },
        ];
        let svg = lines("Burndown <M2>", &labels, &series);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("Burndown &lt;M2&gt;"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("stroke-dasharray"));
        let flow = stacked("Flow", &labels, &series);
        assert_eq!(flow.matches("<polygon").count(), 2);
    }
}
