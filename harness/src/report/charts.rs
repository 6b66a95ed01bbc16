//! The report's charts. Speedups are small multiples: one panel per domain
//! (several when a domain has more kernels than a panel can keep apart),
//! every panel on the same log–log axes, each line in its own colour *and*
//! marker and named at its right end. The other charts are one row per
//! kernel ([`rows_chart`]), which stays legible from 3 rows to 200.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::pairs::{by_domain, domain_name};
use crate::pairs::Side;
use crate::results::Results;

const WIDTH: u32 = 820;

/// Line colours within a panel: the Okabe–Ito colour-blind-safe set without
/// its yellow and sky blue (too pale on white, and the second blue). No two
/// lines of a panel share a colour or a marker ([`PANEL_LINES`]).
const PALETTE: [RGBColor; 6] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x00, 0x00),
];

/// At most this many kernels share a panel: one colour and one marker each.
pub const PANEL_LINES: usize = PALETTE.len();

/// The marker of a panel's `i`-th line (one per colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
    Plus,
}

const MARKERS: [Marker; PANEL_LINES] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::Cross,
    Marker::Plus,
];

const PANEL_WIDTH: u32 = 620;
const PANEL_HEIGHT: u32 = 330;
/// Room right of the plot for the kernels' names.
const LABEL_WIDTH: u32 = 215;
/// Vertical distance between two names, in pixels.
const LABEL_GAP: i32 = 15;

/// One kernel's speedups: (size, estimate, low, high) per size measured.
struct Series<'a> {
    name: &'a str,
    points: Vec<(f64, f64, f64, f64)>,
}

/// One panel of the speedup small multiples.
#[derive(Debug, Clone)]
pub struct SpeedupPanel {
    pub title: String,
    /// The kernels drawn, in colour order.
    pub kernels: Vec<String>,
    pub svg: String,
}

/// The speedup panels, in domain order; empty when no pair has a speedup.
pub fn speedup_panels(results: &Results) -> Vec<SpeedupPanel> {
    let groups: Vec<(String, Vec<Series<'_>>)> = by_domain(results)
        .into_iter()
        .map(|(domain, pairs)| {
            let series = pairs
                .into_iter()
                .map(|pair| Series {
                    name: &pair.kernel,
                    points: pair
                        .sizes
                        .iter()
                        .filter_map(|s| {
                            let e = s.speedup?;
                            Some((s.size as f64, e.point, e.low, e.high))
                        })
                        .filter(|&(x, p, lo, hi)| {
                            [x, p, lo, hi].iter().all(|v| v.is_finite() && *v > 0.0)
                        })
                        .collect(),
                })
                .filter(|s| !s.points.is_empty())
                .collect();
            (domain_name(domain).to_string(), series)
        })
        .collect();
    let all = groups
        .iter()
        .flat_map(|(_, series)| series.iter().flat_map(|s| s.points.iter()));
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, _, lo, hi) in all {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_min = y_min.min(lo);
        y_max = y_max.max(hi);
    }
    if x_min > x_max {
        return Vec::new();
    }
    // Shared axes, padded so points do not sit on the frame, 1× in view.
    let axes = Axes {
        x: (x_min / 2.0, x_max * 2.0),
        y: ((y_min / 2.0).min(0.5), y_max * 2.0),
    };
    let mut panels = Vec::new();
    for (name, series) in groups {
        let parts = series.len().div_ceil(PANEL_LINES);
        for (k, chunk) in balanced_chunks(&series, parts).into_iter().enumerate() {
            let title = if parts > 1 {
                format!("{name} ({} of {parts})", k + 1)
            } else {
                name.clone()
            };
            if let Some(svg) = speedup_panel(&title, chunk, &axes) {
                panels.push(SpeedupPanel {
                    title,
                    kernels: chunk.iter().map(|s| s.name.to_string()).collect(),
                    svg,
                });
            }
        }
    }
    panels
}

/// `items` cut into `parts` consecutive runs whose lengths differ by at
/// most one (16 kernels in 3 panels: 6, 5, 5).
fn balanced_chunks<T>(items: &[T], parts: usize) -> Vec<&[T]> {
    let parts = parts.max(1);
    let (base, extra) = (items.len() / parts, items.len() % parts);
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    for k in 0..parts {
        let len = base + usize::from(k < extra);
        out.push(&items[start..start + len]);
        start += len;
    }
    out
}

/// The ranges every panel shares.
struct Axes {
    x: (f64, f64),
    y: (f64, f64),
}

/// Where each name goes: `anchors` are the pixel heights of the lines' last
/// points; the names keep their order top to bottom, at least [`LABEL_GAP`]
/// apart, as close to their anchors as the room `top..=bottom` allows.
fn place_labels(anchors: &[i32], top: i32, bottom: i32) -> Vec<i32> {
    let mut order: Vec<usize> = (0..anchors.len()).collect();
    order.sort_by_key(|&i| (anchors[i], i));
    let mut placed = vec![0; anchors.len()];
    let mut previous = i32::MIN / 2;
    for &i in &order {
        let y = anchors[i].max(previous + LABEL_GAP).max(top);
        placed[i] = y;
        previous = y;
    }
    // Pushed past the bottom: move the tail back up, keeping the gaps.
    let mut limit = bottom;
    for &i in order.iter().rev() {
        if placed[i] > limit {
            placed[i] = limit;
        }
        limit = placed[i] - LABEL_GAP;
    }
    placed
}

/// Draws `marker` centred on pixel `at` of `area`.
fn draw_marker(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    marker: Marker,
    at: (i32, i32),
    color: RGBColor,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let (x, y) = at;
    let fill = color.filled();
    let stroke = color.stroke_width(2);
    match marker {
        Marker::Circle => area.draw(&Circle::new(at, 4, fill)),
        Marker::Square => area.draw(&Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], fill)),
        Marker::Triangle => area.draw(&Polygon::new(
            vec![(x, y - 5), (x + 5, y + 4), (x - 5, y + 4)],
            fill,
        )),
        Marker::Diamond => area.draw(&Polygon::new(
            vec![(x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y)],
            fill,
        )),
        Marker::Cross => {
            area.draw(&PathElement::new(
                vec![(x - 4, y - 4), (x + 4, y + 4)],
                stroke,
            ))?;
            area.draw(&PathElement::new(
                vec![(x - 4, y + 4), (x + 4, y - 4)],
                stroke,
            ))
        }
        Marker::Plus => {
            area.draw(&PathElement::new(vec![(x - 5, y), (x + 5, y)], stroke))?;
            area.draw(&PathElement::new(vec![(x, y - 5), (x, y + 5)], stroke))
        }
    }
}

/// One panel: at most [`PANEL_LINES`] kernels, each a line with error bars
/// and markers, its name at the right, level with its last point.
fn speedup_panel(title: &str, series: &[Series<'_>], axes: &Axes) -> Option<String> {
    if series.is_empty() || series.len() > PANEL_LINES {
        return None;
    }
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root =
            SVGBackend::with_string(&mut svg, (PANEL_WIDTH, PANEL_HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let (plot, _) = root.split_horizontally(PANEL_WIDTH - LABEL_WIDTH);
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, ("sans-serif", 17))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(58)
            .build_cartesian_2d(
                (axes.x.0..axes.x.1).log_scale(),
                (axes.y.0..axes.y.1).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("input size")
            .y_desc("Python ÷ Rust time")
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 13))
            .x_label_formatter(&|x| format_count(*x))
            .y_label_formatter(&|y| format!("{y}×"))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart.draw_series(LineSeries::new(
            [(axes.x.0, 1.0), (axes.x.1, 1.0)],
            ShapeStyle::from(&BLACK.mix(0.4)).stroke_width(1),
        ))?;
        let mut anchors = Vec::with_capacity(series.len());
        for (index, s) in series.iter().enumerate() {
            let color = PALETTE[index];
            chart.draw_series(LineSeries::new(
                s.points.iter().map(|&(x, y, _, _)| (x, y)),
                color.stroke_width(2),
            ))?;
            chart.draw_series(s.points.iter().map(|&(x, y, lo, hi)| {
                ErrorBar::new_vertical(x, lo, y, hi, color.mix(0.7).stroke_width(1), 6)
            }))?;
            for &(x, y, _, _) in &s.points {
                draw_marker(&root, MARKERS[index], chart.backend_coord(&(x, y)), color)?;
            }
            if let Some(&(x, y, _, _)) = s.points.last() {
                anchors.push(chart.backend_coord(&(x, y)));
            }
        }
        // The legend right of the plot, outside it: each name level with
        // its line's last point where the names fit, so they read top to
        // bottom in the order the lines end.
        let (_, plot_y) = chart.plotting_area().get_pixel_range();
        let heights: Vec<i32> = anchors.iter().map(|a| a.1).collect();
        let placed = place_labels(&heights, plot_y.start + 6, plot_y.end - 6);
        let x0 = i32::try_from(PANEL_WIDTH - LABEL_WIDTH).unwrap_or(400);
        for (index, (s, &y)) in series.iter().zip(&placed).enumerate() {
            let color = PALETTE[index];
            draw_marker(&root, MARKERS[index], (x0 + 10, y), color)?;
            root.draw(&Text::new(
                s.name.to_string(),
                (x0 + 20, y - 7),
                ("sans-serif", 13).into_font().color(&color),
            ))?;
        }
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
                    let color = PALETTE[s % PALETTE.len()];
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
/// size measured is not the speedup at production size. One chart per
/// domain, so each fits a screen at 70 kernels.
pub fn scaling_charts(results: &Results) -> Vec<String> {
    let sides = [Side::Python, Side::Rust, Side::RustParallel];
    by_domain(results)
        .into_iter()
        .filter_map(|(domain, pairs)| {
            let rows: Vec<Row> = pairs
                .into_iter()
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
            let caption = format!(
                "Scaling, {}: time ∝ size^slope (log–log fit, 95% interval)",
                domain_name(domain)
            );
            rows_chart(
                &RowsChart {
                    caption: &caption,
                    x_desc: "slope (1 = linear, 2 = quadratic)",
                    series: &["Python", "Rust, 1 thread", "Rust, parallel"],
                    log_x: false,
                    references: &[1.0, 2.0],
                    format_x: &|x| format!("{x:.1}"),
                },
                &rows,
            )
        })
        .collect()
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
                    m.python.map(|c| point(c.compared_bytes())),
                    m.rust.map(|c| point(c.peak_bytes)),
                ],
            })
        })
        .collect();
    rows_chart(
        &RowsChart {
            caption: "Peak memory of one call beyond its input (largest size)",
            x_desc: "bytes (log scale)",
            series: &[
                "Python (largest of tracemalloc, result C heap, resident growth)",
                "Rust (counting allocator)",
            ],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panel_never_repeats_a_colour_or_a_marker() {
        for (i, a) in PALETTE.iter().enumerate() {
            for b in &PALETTE[i + 1..] {
                // Far apart to the eye, not only different: the "redmean"
                // approximation of perceived colour distance.
                let r = (f64::from(a.0) + f64::from(b.0)) / 2.0;
                let (dr, dg, db) = (
                    f64::from(a.0) - f64::from(b.0),
                    f64::from(a.1) - f64::from(b.1),
                    f64::from(a.2) - f64::from(b.2),
                );
                let d = ((2.0 + r / 256.0) * dr * dr
                    + 4.0 * dg * dg
                    + (2.0 + (255.0 - r) / 256.0) * db * db)
                    .sqrt();
                assert!(d >= 120.0, "{a:?} and {b:?} too alike: {d:.0}");
            }
        }
        for (i, m) in MARKERS.iter().enumerate() {
            assert!(!MARKERS[i + 1..].contains(m));
        }
    }

    #[test]
    fn domains_split_into_balanced_panels() {
        let items: Vec<usize> = (0..16).collect();
        let lens: Vec<usize> = balanced_chunks(&items, 16usize.div_ceil(PANEL_LINES))
            .iter()
            .map(|c| c.len())
            .collect();
        assert_eq!(lens, [6, 5, 5]);
        let flat: Vec<usize> = balanced_chunks(&items, 3).concat();
        assert_eq!(flat, items);
        assert_eq!(balanced_chunks(&items[..4], 1), [&items[..4]]);
    }

    #[test]
    fn names_keep_their_order_and_never_touch() {
        // Three lines ending at the same height, one far below.
        let placed = place_labels(&[100, 100, 100, 250], 20, 300);
        assert_eq!(placed, [100, 115, 130, 250]);
        // Crowded at the bottom: pushed up, still apart and inside.
        let placed = place_labels(&[295, 296, 299, 300], 20, 300);
        assert_eq!(placed, [255, 270, 285, 300]);
        // Order follows the anchors, not the input order.
        let placed = place_labels(&[200, 50], 20, 300);
        assert_eq!(placed, [200, 50]);
    }
}
