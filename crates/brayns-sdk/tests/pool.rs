//! One movie on several `brayns-mock` instances: frames spread as instances become free, each
//! instance set up once, a frame failing on one instance retried on another, an instance
//! dying mid-movie taken out without losing frames, a resumed run re-rendering nothing, and
//! the time scaling with the number of instances.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use brayns_mock::{MockServer, MockServerBuilder};
use brayns_sdk::{
    Brayns, CancelToken, Capture, Error, FrameEvent, FrameFiles, FramePool, FrameRender, PoolEvent,
    PoolProgress, PoolReport, Resolution,
};
use common::{LIMIT, snapshot_files};

/// A mock whose snapshots take `steps` x `step`, with a simulation of 100 frames (the frames
/// rendered are simulation frames, which the server checks).
fn builder(steps: u32, step: Duration) -> MockServerBuilder {
    MockServer::builder()
        .progress_steps(steps)
        .step_duration(step)
        .simulation(99, 0.1)
}

async fn connect(mock: &MockServer) -> Brayns {
    Brayns::connect(mock.uri()).await.expect("the SDK connects")
}

fn frames(count: u64, dir: &std::path::Path) -> FrameRender {
    FrameRender::new(
        Capture::new().resolution(Resolution::new(64, 64)),
        (0..count).collect(),
        FrameFiles::new(dir.join("frames")),
    )
}

/// Renders on `instances` with a setup counting its calls; the report and every event.
async fn render(
    pool: &FramePool,
    render: &FrameRender,
) -> (brayns_sdk::Result<PoolReport>, Vec<PoolProgress>, usize) {
    let setups = AtomicUsize::new(0);
    let mut events = Vec::new();
    let result = tokio::time::timeout(
        LIMIT,
        pool.render(
            render,
            |_, brayns| {
                setups.fetch_add(1, Ordering::SeqCst);
                async move { brayns.get_version().await.map(drop) }
            },
            &CancelToken::new(),
            |progress| events.push(progress),
        ),
    )
    .await
    .expect("bounded");
    (result, events, setups.load(Ordering::SeqCst))
}

fn all_on_disk(render: &FrameRender) {
    assert!(
        render.missing().is_empty(),
        "missing: {:?}",
        render.missing()
    );
}

#[tokio::test]
async fn frames_are_spread_over_the_instances_and_a_rerun_renders_nothing() {
    let mut mocks = Vec::new();
    let mut instances = Vec::new();
    for _ in 0..3 {
        let mock = builder(2, Duration::from_millis(5)).start().await.unwrap();
        instances.push(connect(&mock).await);
        mocks.push(mock);
    }
    let dir = tempfile::tempdir().unwrap();
    let movie = frames(12, dir.path());
    let pool = FramePool::new(instances);
    let (report, events, setups) = render(&pool, &movie).await;
    let report = report.expect("the movie renders");
    assert_eq!(setups, 3, "each instance is set up once");
    assert_eq!(report.rendered(), 12);
    assert!(
        report.per_instance.iter().all(|&frames| frames > 0),
        "{report:?}"
    );
    assert!(report.lost.is_empty() && report.retries == 0);
    all_on_disk(&movie);
    let last = events.last().expect("progress");
    assert_eq!((last.done, last.count), (12, 12));
    let saved = events
        .iter()
        .filter(|progress| {
            matches!(&progress.event, PoolEvent::Frame { instance: Some(_), progress } if matches!(progress.event, FrameEvent::Saved(_)))
        })
        .count();
    assert_eq!(saved, 12);
    assert!(
        events.windows(2).all(|pair| pair[0].done <= pair[1].done),
        "done never goes back"
    );

    // Resumed: everything is on disk, nothing is rendered.
    let (report, events, _) = render(&pool, &movie).await;
    let report = report.unwrap();
    assert_eq!((report.rendered(), report.skipped), (0, 12));
    assert!(
        events
            .iter()
            .all(|progress| matches!(progress.event, PoolEvent::Frame { instance: None, .. }))
    );
    for mock in mocks {
        mock.stop().await;
    }
}

#[tokio::test]
async fn a_frame_failing_on_one_instance_is_rendered_by_another() {
    // The first instance refuses simulation frames above 2 (invalid params).
    let picky = snapshot_files(|path, json| {
        if path == "entrypoints/snapshot.json" {
            json["params"]["properties"]["simulation_frame"]["maximum"] = 2.into();
        }
    });
    let first = builder(1, Duration::from_millis(1))
        .snapshot(picky)
        .start()
        .await
        .unwrap();
    // The second is slow, so the first takes most frames, and fails on some.
    let second = builder(2, Duration::from_millis(20)).start().await.unwrap();
    let pool = FramePool::new([connect(&first).await, connect(&second).await]);
    let dir = tempfile::tempdir().unwrap();
    let movie = frames(6, dir.path());
    let (report, events, _) = render(&pool, &movie).await;
    let report = report.expect("every frame renders somewhere");
    all_on_disk(&movie);
    let retried: Vec<usize> = events
        .iter()
        .filter_map(|progress| match &progress.event {
            PoolEvent::Retrying {
                instance: 0,
                position,
                error,
                ..
            } => {
                assert!(
                    error.contains("-32602") || error.contains("maximum"),
                    "{error}"
                );
                Some(*position)
            }
            _ => None,
        })
        .collect();
    assert!(!retried.is_empty(), "the first instance failed some frames");
    assert!(retried.iter().all(|&position| position > 2), "{retried:?}");
    assert_eq!(report.retries, retried.len());
    // Each failed frame was saved by the second instance.
    for position in &retried {
        assert!(events.iter().any(|progress| matches!(&progress.event,
            PoolEvent::Frame { instance: Some(1), progress } if progress.position == *position && matches!(progress.event, FrameEvent::Saved(_)))));
    }
    assert!(
        report.lost.is_empty(),
        "a refused frame does not remove the instance"
    );
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn an_instance_dying_mid_movie_leaves_the_pool_without_losing_frames() {
    let steady = builder(2, Duration::from_millis(10)).start().await.unwrap();
    // Its connection drops at the client's 4th message: get-version (connect), get-version
    // (setup), one snapshot, then the next one is lost with the connection.
    let dying = builder(2, Duration::from_millis(10))
        .drop_after_messages(3)
        .start()
        .await
        .unwrap();
    let pool = FramePool::new([connect(&steady).await, connect(&dying).await]);
    let dir = tempfile::tempdir().unwrap();
    let movie = frames(8, dir.path());
    let (report, events, _) = render(&pool, &movie).await;
    let report = report.expect("the movie survives the loss");
    all_on_disk(&movie);
    assert_eq!(report.lost, [1]);
    assert_eq!(report.per_instance, [7, 1], "{report:?}");
    assert_eq!(report.retries, 1);
    assert!(
        events
            .iter()
            .any(|progress| matches!(&progress.event, PoolEvent::InstanceLost { instance: 1, .. }))
    );
    steady.stop().await;
    dying.stop().await;
}

#[tokio::test]
async fn a_frame_failing_everywhere_or_no_instance_left_ends_the_render() {
    let refusing = || {
        snapshot_files(|path, json| {
            if path == "entrypoints/snapshot.json" {
                json["params"]["properties"]["simulation_frame"]["maximum"] = 0.into();
            }
        })
    };
    let a = builder(1, Duration::from_millis(1))
        .snapshot(refusing())
        .start()
        .await
        .unwrap();
    let b = builder(1, Duration::from_millis(1))
        .snapshot(refusing())
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let movie = frames(3, dir.path());
    let pool = FramePool::new([connect(&a).await, connect(&b).await]).max_attempts(3);
    let (result, _, _) = render(&pool, &movie).await;
    let error = result.unwrap_err();
    assert_eq!(
        error.server_error().map(|error| error.code),
        Some(-32602),
        "{error:?}"
    );
    assert!(movie.files().exists(0), "frame 0 is allowed and saved");

    // Setups failing everywhere: no instance left.
    let pool = FramePool::new([connect(&a).await]);
    let failed = tokio::time::timeout(
        LIMIT,
        pool.render(
            &movie,
            |_, _| async { Err(Error::Usage("no data here".to_owned())) },
            &CancelToken::new(),
            |_| {},
        ),
    )
    .await
    .unwrap()
    .unwrap_err();
    assert!(
        matches!(&failed, Error::Usage(message) if message == "no data here"),
        "{failed:?}"
    );

    let empty = FramePool::new(Vec::new())
        .render(&movie, |_, _| async { Ok(()) }, &CancelToken::new(), |_| {})
        .await;
    assert!(matches!(empty, Err(Error::Usage(_))));
    a.stop().await;
    b.stop().await;
}

/// Renders 16 frames of 50 ms each on `count` instances; the time taken.
async fn timed(count: usize) -> Duration {
    let mut mocks = Vec::new();
    let mut instances = Vec::new();
    for _ in 0..count {
        let mock = builder(2, Duration::from_millis(25)).start().await.unwrap();
        instances.push(connect(&mock).await);
        mocks.push(mock);
    }
    let dir = tempfile::tempdir().unwrap();
    let movie = frames(16, dir.path());
    let started = Instant::now();
    let (report, _, _) = render(&FramePool::new(instances), &movie).await;
    let elapsed = started.elapsed();
    assert_eq!(report.unwrap().rendered(), 16);
    for mock in mocks {
        mock.stop().await;
    }
    elapsed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_instances_render_a_movie_much_faster_than_one() {
    let one = timed(1).await;
    let four = timed(4).await;
    assert!(one >= Duration::from_millis(16 * 50), "{one:?}");
    assert!(four * 2 < one, "1 instance: {one:?}, 4 instances: {four:?}");
}

#[tokio::test]
async fn cancelling_a_pool_render_stops_every_instance_and_keeps_the_saved_frames() {
    let mut mocks = Vec::new();
    let mut instances = Vec::new();
    for _ in 0..2 {
        // One second per snapshot.
        let mock = builder(50, Duration::from_millis(20))
            .start()
            .await
            .unwrap();
        instances.push(connect(&mock).await);
        mocks.push(mock);
    }
    let dir = tempfile::tempdir().unwrap();
    let movie = frames(6, dir.path());
    let token = CancelToken::new();
    let canceller = token.clone();
    let started = Instant::now();
    let result = tokio::time::timeout(
        LIMIT,
        FramePool::new(instances).render(
            &movie,
            |_, _| async { Ok(()) },
            &token,
            move |progress| {
                if let PoolEvent::Frame { progress, .. } = &progress.event
                    && matches!(progress.event, FrameEvent::Rendering(_))
                {
                    canceller.cancel();
                }
            },
        ),
    )
    .await
    .expect("cancel ends it");
    assert!(matches!(result, Err(Error::Aborted)), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(movie.missing().len(), 6, "nothing was complete");
    for mock in &mocks {
        tokio::time::timeout(
            LIMIT,
            mock.task_log().wait_until(|events| {
                events.iter().any(|event| {
                    event.method == "snapshot"
                        && matches!(
                            event.outcome,
                            brayns_mock::TaskOutcome::Cancelled | brayns_mock::TaskOutcome::Dropped
                        )
                })
            }),
        )
        .await
        .expect("each instance's snapshot is cancelled");
    }
    for mock in mocks {
        mock.stop().await;
    }
}
