//! The speedup chart: Python time ÷ Rust time against input size, log–log,
//! one line per kernel pair, 95% bootstrap intervals as error bars.

use plotters::prelude::*;

use crate::pairs::Side;
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

/// One labelled row of a [`rows_chart`]: a value per series, each with an
/// optional interval (`None` where that series has no figure).
pub struct Row {
    pub label: String,
    pub values: Vec<Option<(f64, f64, f64)>>,
}

/// What a [`rows_chart`] draws.
pub struct RowsChart<'a> {
    pub caption: &'a str,
    pub x_desc: &'a str,
    pub series: &'a [&'a str],
    pub log_x: bool,
    /// Vertical reference lines (e.g. 1× or a slope of 1).
    pub references: &'a [f64],
    pub format_x: &'a dyn Fn(f64) -> String,
}

/// Height of one row: 200 kernels make a tall chart, never an unreadable one.
const ROW_HEIGHT: u32 = 22;

/// A dot-and-whisker chart, one row per label (kernel), one colour per
/// series: the layout that stays legible from 3 rows to 200, unlike a line
/// per kernel.
pub fn rows_chart(spec: &RowsChart<'_>, rows: &[Row]) -> Option<String> {
    let points = || {
        rows.iter()
            .flat_map(|r| r.values.iter().flatten())
            .filter(|(p, lo, hi)| p.is_finite() && lo.is_finite() && hi.is_finite())
    };
    points().next()?;
    let references: Vec<(f64, f64, f64)> = spec.references.iter().map(|&r| (r, r, r)).collect();
    let (mut x_min, mut x_max) = (f64::MAX, f64::MIN);
    for &(p, lo, hi) in points().chain(references.iter()) {
        x_min = x_min.min(lo.min(p));
        x_max = x_max.max(hi.max(p));
    }
    let (x_min, x_max) = if spec.log_x {
        (x_min.max(f64::MIN_POSITIVE) / 1.5, x_max * 1.5)
    } else {
        let pad = ((x_max - x_min) * 0.08).max(0.1);
        (x_min - pad, x_max + pad)
    };
    let n = rows.len();
    let height = 110
        + ROW_HEIGHT
            * u32::try_from(n + spec.series.len() + 1).unwrap_or(u32::MAX / ROW_HEIGHT - 10);
    let label_width = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(8)
        .min(48);
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        // Empty rows on top hold the legend, so it never covers a point.
        let legend_rows = spec.series.len() as f64 + 0.5;
        let y_range = -0.5..(n as f64 - 0.5 + legend_rows);
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(spec.caption, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(u32::try_from(label_width * 8 + 12).unwrap_or(200));
        let labels = |y: &f64| {
            let i = y.round();
            if (y - i).abs() > 1e-6 || i < 0.0 || i as usize >= n {
                return String::new();
            }
            rows.get(n - 1 - i as usize)
                .map(|r| r.label.clone())
                .unwrap_or_default()
        };
        // Row i is drawn at y = n - 1 - i, so the first row is on top.
        let y_of = |i: usize| (n - 1 - i) as f64;
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(spec.x_desc)
                    .label_style(("sans-serif", 13))
                    .axis_desc_style(("sans-serif", 14))
                    .x_label_formatter(&|x| (spec.format_x)(*x))
                    .y_labels(n.max(1) + spec.series.len() + 1)
                    .y_label_formatter(&labels)
                    .disable_y_mesh()
                    .draw()?;
                for &r in spec.references {
                    chart.draw_series(LineSeries::new(
                        [(r, -0.5), (r, n as f64 - 0.5)],
                        ShapeStyle::from(&BLACK.mix(0.4)).stroke_width(1),
                    ))?;
                }
                let k = spec.series.len().max(1) as f64;
                for (s, name) in spec.series.iter().enumerate() {
                    let color = Palette99::pick(s).to_rgba();
                    // Series side by side within a row, so whiskers never overlap.
                    let offset = (s as f64 - (k - 1.0) / 2.0) * (0.6 / k);
                    let dots: Vec<(f64, f64, f64, f64)> = rows
                        .iter()
                        .enumerate()
                        .filter_map(|(i, r)| {
                            let (p, lo, hi) = (*r.values.get(s)?)?;
                            Some((p, lo, hi, y_of(i) + offset))
                        })
                        .collect();
                    chart.draw_series(dots.iter().map(|&(p, lo, hi, y)| {
                        ErrorBar::new_horizontal(y, lo, p, hi, color.stroke_width(2), 6)
                    }))?;
                    chart
                        .draw_series(
                            dots.iter()
                                .map(|&(p, _, _, y)| Circle::new((p, y), 4, color.filled())),
                        )?
                        .label(*name)
                        .legend(move |(x, y)| Circle::new((x + 6, y), 4, color.filled()));
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .label_font(("sans-serif", 13))
                    .background_style(WHITE.mix(0.9))
                    .border_style(BLACK.mix(0.3))
                    .draw()?;
            }};
        }
        if spec.log_x {
            draw!(builder.build_cartesian_2d((x_min..x_max).log_scale(), y_range)?);
        } else {
            draw!(builder.build_cartesian_2d(x_min..x_max, y_range)?);
        }
        root.present()?;
        Ok(())
    })();
    drawn.ok().map(|()| svg)
}

/// Each kernel's log–log scaling slope, per side, with its interval: where
/// Python and Rust grow differently with size, the speedup at the largest
/// size measured is not the speedup at production size.
pub fn scaling_chart(results: &Results) -> Option<String> {
    let sides = [Side::Python, Side::Rust, Side::RustParallel];
    let rows: Vec<Row> = results
        .pairs
        .iter()
        .filter(|p| !p.scaling.is_empty())
        .map(|p| Row {
            label: p.kernel.clone(),
            values: sides
                .iter()
                .map(|&side| {
                    let s = p.scaling.iter().find(|s| s.side == side)?;
                    Some(match s.slope_interval {
                        Some(e) => (s.slope, e.low, e.high),
                        None => (s.slope, s.slope, s.slope),
                    })
                })
                .collect(),
        })
        .collect();
    rows_chart(
        &RowsChart {
            caption: "Scaling: time ∝ size^slope (log–log fit, 95% interval)",
            x_desc: "slope (1 = linear, 2 = quadratic)",
            series: &["Python", "Rust, 1 thread", "Rust, parallel"],
            log_x: false,
            references: &[1.0, 2.0],
            format_x: &|x| format!("{x:.1}"),
        },
        &rows,
    )
}

/// What the parallel path buys at each kernel's largest size: single-thread
/// time ÷ parallel time, against the machine's cores.
pub fn thread_chart(results: &Results) -> Option<String> {
    let rows: Vec<Row> = results
        .pairs
        .iter()
        .filter_map(|p| {
            let size = p
                .sizes
                .iter()
                .rev()
                .find(|s| s.parallel_speedup.is_some())?;
            let e = size.parallel_speedup?;
            Some(Row {
                label: format!("{} @ {}", p.kernel, format_count(size.size as f64)),
                values: vec![Some((e.point, e.low, e.high))],
            })
        })
        .collect();
    let cores = results.machine.logical_cpus as f64;
    let caption = format!(
        "Thread scaling: Rust 1 thread ÷ Rust on all {} logical CPUs (largest size)",
        results.machine.logical_cpus
    );
    rows_chart(
        &RowsChart {
            caption: &caption,
            x_desc: "speedup of the parallel path (1× = none; the line at the core count is ideal)",
            series: &["parallel speedup"],
            log_x: false,
            references: &[1.0, cores],
            format_x: &|x| format!("{x:.1}×"),
        },
        &rows,
    )
}

/// Peak bytes of one call, each side, at each kernel's largest size with
/// both figures.
pub fn memory_chart(results: &Results) -> Option<String> {
    let rows: Vec<Row> = results
        .pairs
        .iter()
        .filter_map(|p| {
            let (size, m) = p.sizes.iter().rev().find_map(|s| {
                let m = s.memory.as_ref()?;
                (m.rust.is_some() || m.python.is_some()).then_some((s.size, m))
            })?;
            let point = |bytes: u64| {
                let b = (bytes.max(1)) as f64;
                (b, b, b)
            };
            Some(Row {
                label: format!("{} @ {}", p.kernel, format_count(size as f64)),
                values: vec![
                    m.python.map(|c| point(c.peak_bytes)),
                    m.rust.map(|c| point(c.peak_bytes)),
                ],
            })
        })
        .collect();
    rows_chart(
        &RowsChart {
            caption: "Peak memory of one call beyond its input (largest size)",
            x_desc: "bytes (log scale)",
            series: &["Python (tracemalloc)", "Rust (counting allocator)"],
            log_x: true,
            references: &[],
            format_x: &format_bytes,
        },
        &rows,
    )
}

/// 1536 → "1.5 KiB".
fn format_bytes(b: f64) -> String {
    if b >= f64::from(1u32 << 30) {
        format!("{:.0} GiB", b / f64::from(1u32 << 30))
    } else if b >= f64::from(1u32 << 20) {
        format!("{:.0} MiB", b / f64::from(1u32 << 20))
    } else if b >= 1024.0 {
        format!("{:.0} KiB", b / 1024.0)
    } else {
        format!("{b:.0} B")
    }
}
