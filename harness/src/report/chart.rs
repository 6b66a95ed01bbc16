//! The speedup chart: Python time ÷ Rust time against input size, log–log,
//! one line per kernel pair, 95% bootstrap intervals as error bars.

use plotters::prelude::*;

use crate::results::Results;

const WIDTH: u32 = 820;
const HEIGHT: u32 = 440;

/// One series of (size, estimate) points.
struct Series<'a> {
    name: &'a str,
    points: Vec<(f64, f64, f64, f64)>,
}

/// The chart as an SVG document, or `None` when no pair has a speedup yet.
pub fn speedup_chart(results: &Results) -> Option<String> {
    let series: Vec<Series<'_>> = results
        .pairs
        .iter()
        .map(|pair| Series {
            name: &pair.kernel,
            points: pair
                .sizes
                .iter()
                .filter_map(|s| {
                    let e = s.speedup?;
                    Some((s.size as f64, e.point, e.low, e.high))
                })
                .collect(),
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    if series.is_empty() {
        return None;
    }
    let all = series.iter().flat_map(|s| s.points.iter());
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, _, lo, hi) in all {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_min = y_min.min(lo);
        y_max = y_max.max(hi);
    }
    // Pad the ranges by a factor so points do not sit on the frame; keep 1×
    // (no speedup) in view as the reference line.
    let (x_min, x_max) = (x_min / 2.0, x_max * 2.0);
    let (y_min, y_max) = ((y_min / 2.0).min(0.5), y_max * 2.0);

    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Speedup of the Rust twin over the Python baseline (single thread)",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d((x_min..x_max).log_scale(), (y_min..y_max).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("input size")
            .y_desc("Python time / Rust time")
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 15))
            .x_label_formatter(&|x| format_count(*x))
            .y_label_formatter(&|y| format!("{y}×"))
            .draw()?;
        chart.draw_series(LineSeries::new(
            [(x_min, 1.0), (x_max, 1.0)],
            ShapeStyle::from(&BLACK.mix(0.4)).stroke_width(1),
        ))?;
        for (index, s) in series.iter().enumerate() {
            let color = Palette99::pick(index).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().map(|&(x, y, _, _)| (x, y)),
                    color.stroke_width(2),
                ))?
                .label(s.name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart.draw_series(s.points.iter().map(|&(x, y, lo, hi)| {
                ErrorBar::new_vertical(x, lo, y, hi, color.stroke_width(2), 8)
            }))?;
            chart.draw_series(
                s.points
                    .iter()
                    .map(|&(x, y, _, _)| Circle::new((x, y), 4, color.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 15))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        root.present()?;
        Ok(())
    })();
    drawn.ok().map(|()| svg)
}

/// 1000 → "1k", 1000000 → "1M".
fn format_count(x: f64) -> String {
    if x >= 1e6 {
        format!("{}M", x / 1e6)
    } else if x >= 1e3 {
        format!("{}k", x / 1e3)
    } else {
        format!("{x}")
    }
}
