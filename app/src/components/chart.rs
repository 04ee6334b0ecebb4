//! Charts drawn by Chart.js through chart-js-rs in the hydrated page: a canvas, and next to it
//! (for screen readers, and anyone who wants the numbers) the same data as a table. Chart.js is
//! loaded on first use from the site (`/vendor/chart.umd.js`, copied from npm by the build),
//! so pages without charts never download it; the code that draws is a lazy split of its own,
//! fetched with Chart.js after the page has hydrated.

use leptos::prelude::*;

/// The series colours, in order (primary blue, green, violet, amber, red, slate).
pub const PALETTE: [&str; 6] = [
    "#1d4ed8", "#15803d", "#7c3aed", "#d97706", "#b91c1c", "#94a3b8",
];

/// What a chart shows: one kind of chart over labelled points.
#[derive(Clone, Debug, PartialEq)]
pub enum ChartSpec {
    /// One line per series over the labels (periods); a single period is drawn as bars.
    Lines {
        labels: Vec<String>,
        series: Vec<(String, Vec<u64>)>,
    },
    /// Shares of a whole.
    Doughnut {
        labels: Vec<String>,
        values: Vec<u64>,
    },
    /// Horizontal bars from the top step down, one series.
    Funnel {
        labels: Vec<String>,
        values: Vec<u64>,
    },
    /// One bar per label, its series stacked.
    StackedBars {
        labels: Vec<String>,
        series: Vec<(String, Vec<u64>)>,
    },
    /// A grid of squares, `columns` across and `rows` down, each coloured by its band: a heat
    /// map. `bands` run from lowest to highest, each with its legend name, its colour and the
    /// (column, row) indices of its cells; a cell in no band is left blank.
    Matrix {
        columns: Vec<String>,
        rows: Vec<String>,
        bands: Vec<Band>,
    },
}

/// One colour of a [`ChartSpec::Matrix`]: its legend name, colour and cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub name: String,
    pub colour: &'static str,
    /// (column, row) indices.
    pub cells: Vec<(usize, usize)>,
}

/// A canvas that Chart.js draws `spec` on once the page is hydrated. `id` must be unique on
/// the page; `label` describes the chart for assistive technology (the table beside it holds
/// the numbers).
#[component]
pub fn Chart(id: String, label: String, spec: ChartSpec) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let (id, spec) = (id.clone(), spec.clone());
        crate::components::effect::effect(move || {
            let (id, spec) = (id.clone(), spec.clone());
            leptos::task::spawn_local(draw_later(id, spec));
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = &spec;
    view! {
        <div class="chart-box">
            <canvas id=id role="img" aria-label=label></canvas>
        </div>
    }
}

/// Draws `spec` on the canvas `id`, from a wasm chunk of its own: chart-js-rs and the serde
/// code that builds Chart.js's configuration are about a tenth of a chart page's code, and the
/// chart is drawn only after the page has hydrated (when Chart.js has loaded, besides), so the
/// page's first download leaves them out (docs/benchmarks.md, "Chart code after hydration").
#[cfg(feature = "hydrate")]
#[lazy]
fn draw_later(id: String, spec: ChartSpec) {
    draw::when_ready(move || draw::render(&id, &spec));
}

#[cfg(feature = "hydrate")]
mod draw {
    use super::{Band, ChartSpec, PALETTE};
    use chart_js_rs::bar::Bar;
    use chart_js_rs::doughnut::Doughnut;
    use chart_js_rs::scatter::Scatter;
    use chart_js_rs::{
        Animation, ChartExt, ChartOptions, ChartPlugins, ChartScale, Dataset, DatasetDataExt,
        DatasetIterExt, Grid, NumberOrDateString, PluginLegend, ScaleTicks, SinglePointDataset,
        XYDataset,
    };
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;

    const SRC: &str = "/vendor/chart.umd.js";
    const SCRIPT_ID: &str = "chart-js";

    fn loaded() -> bool {
        js_sys::Reflect::get(&js_sys::global(), &"Chart".into()).is_ok_and(|c| !c.is_undefined())
    }

    /// Runs `draw` once Chart.js is on the page, adding its script the first time.
    pub fn when_ready(draw: impl FnOnce() + 'static) {
        if loaded() {
            draw();
            return;
        }
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let script = document.get_element_by_id(SCRIPT_ID).or_else(|| {
            let script = document.create_element("script").ok()?;
            script.set_id(SCRIPT_ID);
            script.set_attribute("src", SRC).ok()?;
            document.head()?.append_child(&script).ok()?;
            Some(script)
        });
        if let Some(script) = script {
            let on_load = Closure::once_into_js(draw);
            let _ = script.add_event_listener_with_callback("load", on_load.unchecked_ref());
        }
    }

    /// Sized by its box, legend below, drawn at once: numbers people came to read should not
    /// slide in (and a screenshot shows the chart, not a frame of its animation).
    fn options() -> ChartOptions {
        ChartOptions::new()
            .maintain_aspect_ratio(false)
            .animation(Animation::new().duration(0))
            .plugins(ChartPlugins::new().legend(PluginLegend::new().position("bottom")))
    }

    fn whole_numbers() -> ChartScale {
        ChartScale::new()
            .begin_at_zero(true)
            .ticks(ScaleTicks::new().precision(0))
    }

    fn xy(labels: &[String], values: &[u64]) -> chart_js_rs::DatasetData {
        labels
            .iter()
            .cloned()
            .zip(values.iter().copied())
            .into_data_iter()
            .presorted_to_dataset_data()
    }

    /// Destroys the chart already drawn on canvas `id`, if any. When a chart's data changes its
    /// view re-renders in place: Leptos keeps the `<canvas>` element (changing at most its id),
    /// and Chart.js refuses to draw on a canvas that still holds a chart, so the old drawing
    /// would stay while the table beside it moved on.
    fn destroy_existing(id: &str) {
        use js_sys::{Function, Reflect};
        let Some(canvas) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
        else {
            return;
        };
        let Ok(chart) = Reflect::get(&js_sys::global(), &"Chart".into()) else {
            return;
        };
        let Ok(get_chart) =
            Reflect::get(&chart, &"getChart".into()).and_then(|f| f.dyn_into::<Function>())
        else {
            return;
        };
        if let Ok(existing) = get_chart.call1(&chart, &canvas)
            && existing.is_object()
            && let Ok(destroy) =
                Reflect::get(&existing, &"destroy".into()).and_then(|f| f.dyn_into::<Function>())
        {
            let _ = destroy.call0(&existing);
        }
    }

    pub fn render(id: &str, spec: &ChartSpec) {
        destroy_existing(id);
        match spec {
            // A line through one point is a lone dot: one period reads better as bars.
            ChartSpec::Lines { labels, series } if labels.len() == 1 => {
                bars(id, labels, series, false);
            }
            ChartSpec::Lines { labels, series } => {
                let datasets: Vec<XYDataset> = series
                    .iter()
                    .zip(PALETTE.iter().cycle())
                    .map(|((name, values), colour)| {
                        XYDataset::new()
                            .dataset_type("line")
                            .label(name.clone())
                            .data(xy(labels, values))
                            .border_color(*colour)
                            .background_color(colour.to_string())
                            .tension(0.25)
                            .point_radius(2)
                    })
                    .collect();
                Scatter::new(id)
                    .data(Dataset::new().labels(labels.clone()).datasets(datasets))
                    .options(options().scales([
                        ("x", ChartScale::new().scale_type("category")),
                        ("y", whole_numbers()),
                    ]))
                    .into_chart()
                    .render();
            }
            ChartSpec::Doughnut { labels, values } => {
                let dataset = SinglePointDataset::new()
                    .data(values.iter().copied())
                    .background_color(PALETTE.iter().take(values.len().max(1)).copied());
                Doughnut::new(id)
                    .data(
                        Dataset::new()
                            .labels(labels.clone())
                            .datasets(vec![dataset]),
                    )
                    .options(options())
                    .into_chart()
                    .render();
            }
            ChartSpec::Funnel { labels, values } => {
                let dataset = SinglePointDataset::new()
                    .label("Leads")
                    .data(values.iter().copied())
                    .background_color(std::iter::repeat_n(PALETTE[0], values.len()));
                Bar::<Vec<SinglePointDataset>>::new(id)
                    .data(
                        Dataset::new()
                            .labels(labels.clone())
                            .datasets(vec![dataset]),
                    )
                    .options(
                        options()
                            .index_axis("y")
                            .plugins(ChartPlugins::new().legend(PluginLegend::new().display(false)))
                            .scales([("x", whole_numbers())]),
                    )
                    .into_chart()
                    .render();
            }
            ChartSpec::StackedBars { labels, series } => bars(id, labels, series, true),
            ChartSpec::Matrix {
                columns,
                rows,
                bands,
            } => matrix(id, columns, rows, bands),
        }
    }

    /// One group of bars per label, a bar per series, stacked or side by side.
    fn bars(id: &str, labels: &[String], series: &[(String, Vec<u64>)], stacked: bool) {
        let datasets: Vec<XYDataset> = series
            .iter()
            .zip(PALETTE.iter().cycle())
            .map(|((name, values), colour)| {
                XYDataset::new()
                    .label(name.clone())
                    .data(xy(labels, values))
                    .background_color(colour.to_string())
            })
            .collect();
        Bar::<Vec<XYDataset>>::new(id)
            .data(Dataset::new().labels(labels.to_vec()).datasets(datasets))
            .options(options().scales([
                ("x", ChartScale::new().stacked(stacked)),
                ("y", whole_numbers().stacked(stacked)),
            ]))
            .into_chart()
            .render();
    }

    /// A scatter chart on two category axes whose points are squares: Chart.js has no matrix
    /// chart without a plugin, and one dataset per band gives the legend its colours.
    fn matrix(id: &str, columns: &[String], rows: &[String], bands: &[Band]) {
        let category = |labels: &[String]| {
            ChartScale::new()
                .scale_type("category")
                .labels(
                    labels
                        .iter()
                        .cloned()
                        .map(NumberOrDateString::from)
                        .collect::<Vec<_>>(),
                )
                // Half a step of room around the first and last squares.
                .offset(true)
                .grid(Grid::new().display(false))
        };
        let datasets: Vec<XYDataset> = bands
            .iter()
            .filter(|band| !band.cells.is_empty())
            .map(|band| {
                let points = band
                    .cells
                    .iter()
                    .filter_map(|&(c, r)| Some((columns.get(c)?.clone(), rows.get(r)?.clone())));
                XYDataset::new()
                    .label(band.name.clone())
                    .data(points.into_data_iter().presorted_to_dataset_data())
                    .background_color(band.colour)
                    .border_color(band.colour)
                    .point_style("rect")
                    .point_radius(6)
                    .point_hover_radius(8)
            })
            .collect();
        Scatter::new(id)
            .data(Dataset::new().labels(columns.to_vec()).datasets(datasets))
            .options(options().scales([("x", category(columns)), ("y", category(rows))]))
            .into_chart()
            .render();
    }
}
