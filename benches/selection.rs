//! Criterion benchmarks of the seat-filling solver with every rule on: one seat per association,
//! a municipality cap that binds for the largest municipality, and the 40 % balance rule, on
//! synthetic calls whose themes lean to one gender (sports to men, social and health to women)
//! so that the balance rule has work to do. In the "scarce women" calls too few women apply for
//! the balance rule to let every seat be filled: the run leaves seats empty and names the
//! smallest relaxation, which takes further searches.
//!
//!     cargo bench --bench selection
//!
//! Before measuring, each size prints what the solver found (seats filled, proven optimal, search
//! nodes) so that the figures in docs/performance.md can be checked. `SELECTION_ONLY=<text>` runs
//! only the cases whose name contains the text; `SELECTION_DATA_SEED=<n>` draws other synthetic
//! calls than the default 7 (the number of search nodes depends on the data);
//! `SELECTION_NODE_LIMIT=<n>` runs with another node limit than the service's default.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use jane_seats::domain::application::{Gender, RolePreference};
use jane_seats::domain::seat_plan::SeatRole;
use jane_seats::domain::selection::{
    Candidate, DEFAULT_NODE_LIMIT, Instance, Rules, SeatGroup, Share, select,
};
use jane_seats::domain::theme::ThemeArea;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// North Karelia's municipalities, weighted roughly by population (Joensuu about 40 %).
const MUNICIPALITIES: [(&str, u32); 13] = [
    ("167", 40),
    ("276", 9),
    ("426", 7),
    ("260", 6),
    ("422", 6),
    ("541", 4),
    ("309", 4),
    ("090", 3),
    ("146", 3),
    ("176", 3),
    ("607", 2),
    ("707", 1),
    ("848", 2),
];

fn pick_weighted<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}

pub struct Synthetic {
    pub groups: Vec<SeatGroup>,
    pub candidates: Vec<Candidate>,
    pub rules: Rules,
}

/// A call with `seats` seats (half representatives, half deputies) over the nine themes and
/// `applicants` applications; `women_shift` moves every theme's share of women (percentage
/// points), so that a negative shift makes the balance rule bind.
pub fn synthetic(seats: u32, applicants: usize, women_shift: i32, seed: u64) -> Synthetic {
    let mut rng = StdRng::seed_from_u64(seed);
    let themes = ThemeArea::ALL;
    let per_role = seats / 2;
    let mut groups = Vec::new();
    for (i, theme) in themes.iter().enumerate() {
        let share = per_role / 9 + u32::from((i as u32) < per_role % 9);
        for role in SeatRole::ALL {
            groups.push(SeatGroup {
                theme: *theme,
                role,
                seats: share,
            });
        }
    }
    // Some associations send several candidates, some in several themes.
    let association_count = (applicants * 10 / 14).max(1);
    let association_home: Vec<&str> = (0..association_count)
        .map(|_| *pick_weighted(&mut rng, &MUNICIPALITIES))
        .collect();
    let candidates = (0..applicants)
        .map(|i| {
            let theme = themes[rng.random_range(0..themes.len())];
            let women_share = women_shift
                + match theme {
                    ThemeArea::Sports => 25,
                    ThemeArea::SocialHealth => 78,
                    ThemeArea::Pensioners => 65,
                    _ => 50,
                };
            let roll = rng.random_range(0..100);
            let gender = if roll < 4 {
                Gender::Undisclosed
            } else if roll < 6 {
                Gender::Other
            } else if rng.random_range(0..100) < women_share.clamp(0, 100) {
                Gender::Woman
            } else {
                Gender::Man
            };
            let preference = match rng.random_range(0..4) {
                0 => RolePreference::Representative,
                1 => RolePreference::Deputy,
                _ => RolePreference::Either,
            };
            let association = rng.random_range(0..association_count);
            // Normalised scores: means of z-scores, three decimals, some unreviewed.
            let score = (rng.random_range(0..50) != 0).then(|| {
                let z: f64 = (0..3).map(|_| rng.random_range(-1.7..1.7)).sum::<f64>() / 3.0;
                (z * 1000.0).round() / 1000.0
            });
            Candidate {
                key: format!("0190{i:04x}-0000-7000-8000-{i:012x}"),
                theme,
                preference,
                association: format!("{:07}-{}", association, association % 10),
                municipality: association_home[association].to_owned(),
                gender,
                score,
            }
        })
        .collect();
    Synthetic {
        groups,
        candidates,
        rules: Rules {
            max_seats_per_association: 1,
            max_seats_per_municipality: Some((seats * 3).div_ceil(10)),
            min_share: Some(Share::DEFAULT),
        },
    }
}

fn selection(c: &mut Criterion) {
    let sizes = [(30, 150), (200, 2_000), (1_000, 10_000)];
    let cases = sizes
        .iter()
        .map(|&(s, a)| (s, a, 0, "typical"))
        .chain(sizes.iter().map(|&(s, a)| (s, a, -25, "few women")))
        .chain(sizes.iter().map(|&(s, a)| (s, a, -70, "scarce women")));
    let only = std::env::var("SELECTION_ONLY").ok();
    let data_seed: u64 = std::env::var("SELECTION_DATA_SEED")
        .ok()
        .map(|s| s.parse().expect("SELECTION_DATA_SEED is a number"))
        .unwrap_or(7);
    let node_limit: u64 = std::env::var("SELECTION_NODE_LIMIT")
        .ok()
        .map(|s| s.parse().expect("SELECTION_NODE_LIMIT is a number"))
        .unwrap_or(DEFAULT_NODE_LIMIT);
    for (seats, applicants, women_shift, label) in cases {
        let name = format!("{label}, {seats} seats, {applicants} applicants");
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let data = synthetic(seats, applicants, women_shift, data_seed);
        let instance = Instance {
            groups: &data.groups,
            candidates: &data.candidates,
            seated: &[],
            rules: data.rules,
            seed: "benchmark",
            node_limit,
        };
        let started = Instant::now();
        let outcome = select(&instance).unwrap();
        eprintln!(
            "{label}, {seats} seats / {applicants} applicants: filled {}+{} of {}+{} (fillable {:?}), \
             proven optimal {}, {} search nodes, {} relaxation(s), first run {:?}",
            outcome.objective.representatives,
            outcome.objective.deputies,
            seats / 2,
            seats / 2,
            outcome.fillable,
            outcome.objective.proven_optimal,
            outcome.objective.search_nodes,
            outcome.relaxations.len(),
            started.elapsed(),
        );
        let mut group = c.benchmark_group("selection");
        if seats >= 1_000 {
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(30));
        } else if seats >= 200 {
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(10));
        }
        group.bench_function(name, |b| b.iter(|| select(black_box(&instance)).unwrap()));
        group.finish();
    }
}

criterion_group!(benches, selection);
criterion_main!(benches);
