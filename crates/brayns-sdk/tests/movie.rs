//! Movies against `brayns-mock` and a real `ffmpeg`: frames rendered in order to numbered
//! files with progress, a resumed render re-rendering nothing it had, cancel, and movies
//! encoded and checked with `ffprobe` (duration, frame count, size, codec).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use brayns_mock::{MockServer, TaskOutcome};
use brayns_sdk::{
    Brayns, CancelToken, Capture, Error, FrameEvent, FrameFiles, FrameRender, Movie, MovieFrames,
    Resolution, SimulationFrames,
};
use common::{LIMIT, start};

fn completed_snapshots(mock: &MockServer) -> usize {
    mock.task_log()
        .events()
        .iter()
        .filter(|event| event.method == "snapshot" && event.outcome == TaskOutcome::Completed)
        .count()
}

fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{}: a PNG",
        path.display()
    );
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

/// `render` with its progress events collected.
async fn render_all(
    render: &FrameRender,
    brayns: &Brayns,
) -> (usize, Vec<brayns_sdk::FrameProgress>) {
    let mut events = Vec::new();
    let rendered = tokio::time::timeout(
        LIMIT,
        render.render(brayns, &CancelToken::new(), |progress| {
            events.push(progress)
        }),
    )
    .await
    .expect("bounded")
    .expect("the frames render");
    (rendered, events)
}

#[tokio::test]
async fn frames_render_in_order_and_a_resumed_render_redoes_nothing_it_had() {
    let (mock, brayns) = start(2, Duration::from_millis(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let simulation = SimulationFrames::new(0, 9, 25.0);
    let frames = MovieFrames::new(12.5).indices(&simulation).unwrap();
    assert_eq!(frames, [0, 2, 4, 6, 8]);
    let files = FrameFiles::new(dir.path().join("frames"));
    let render = FrameRender::new(
        Capture::new().resolution(Resolution::new(96, 64)),
        frames.clone(),
        files.clone(),
    );

    let (rendered, events) = render_all(&render, &brayns).await;
    assert_eq!(rendered, 5);
    let saved: Vec<(usize, u64)> = events
        .iter()
        .filter(|event| matches!(event.event, FrameEvent::Saved(_)))
        .map(|event| (event.position, event.simulation_frame))
        .collect();
    assert_eq!(saved, [(0, 0), (1, 2), (2, 4), (3, 6), (4, 8)], "in order");
    for position in 0..5 {
        let snapshot_steps = events
            .iter()
            .filter(|event| {
                event.position == position && matches!(event.event, FrameEvent::Rendering(_))
            })
            .count();
        assert_eq!(
            snapshot_steps, 2,
            "each snapshot's own progress, frame {position}"
        );
        assert_eq!(png_size(&files.path(position)), (96, 64));
    }
    assert!(events.iter().all(|event| event.count == 5));
    let names: Vec<String> = std::fs::read_dir(files.folder())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 5, "no partial file left: {names:?}");
    assert_eq!(completed_snapshots(&mock), 5);

    // Resumed after losing one frame: only that one is rendered again.
    std::fs::remove_file(files.path(3)).unwrap();
    assert_eq!(render.missing(), [3]);
    let (rendered, events) = render_all(&render, &brayns).await;
    assert_eq!(rendered, 1);
    assert_eq!(completed_snapshots(&mock), 6, "one snapshot more, not five");
    let skipped: Vec<usize> = events
        .iter()
        .filter(|event| event.event == FrameEvent::Skipped)
        .map(|event| event.position)
        .collect();
    assert_eq!(skipped, [0, 1, 2, 4]);

    // Complete: nothing is rendered at all.
    let (rendered, _) = render_all(&render, &brayns).await;
    assert_eq!(rendered, 0);
    assert_eq!(completed_snapshots(&mock), 6);
    mock.stop().await;
}

#[tokio::test]
async fn cancelling_stops_the_snapshot_under_way_and_keeps_the_saved_frames() {
    // Slow snapshots: 50 steps of 20 ms (one second each).
    let (mock, brayns) = start(50, Duration::from_millis(20)).await;
    let dir = tempfile::tempdir().unwrap();
    let files = FrameFiles::new(dir.path());
    let render = FrameRender::new(
        Capture::new().resolution(Resolution::new(64, 64)),
        vec![0, 1, 2],
        files.clone(),
    );
    let token = CancelToken::new();
    let canceller = token.clone();
    let started = std::time::Instant::now();
    let result = tokio::time::timeout(
        LIMIT,
        render.render(&brayns, &token, move |progress| {
            // Cancel once the second frame is under way.
            if progress.position == 1 && matches!(progress.event, FrameEvent::Rendering(_)) {
                canceller.cancel();
            }
        }),
    )
    .await
    .expect("cancel ends it");
    assert!(matches!(result, Err(Error::Aborted)), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1900),
        "it did not wait for frame 1"
    );
    assert!(files.exists(0));
    assert!(!files.exists(1) && !files.exists(2));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no partial file"
    );
    // The second snapshot was stopped on the server, not left running.
    tokio::time::timeout(
        LIMIT,
        mock.task_log().wait_until(|events| {
            events.iter().any(|event| {
                event.method == "snapshot"
                    && matches!(event.outcome, TaskOutcome::Cancelled | TaskOutcome::Dropped)
            })
        }),
    )
    .await
    .expect("the snapshot is cancelled on the server");
    assert_eq!(completed_snapshots(&mock), 1);
    // A cancelled token stops the next run before it sends anything.
    let again = render.render(&brayns, &token, |_| {}).await;
    assert!(matches!(again, Err(Error::Aborted)));
    mock.stop().await;
}

#[tokio::test]
async fn a_frame_outside_the_movie_is_a_usage_error() {
    let (mock, brayns) = start(1, Duration::from_millis(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let render = FrameRender::new(Capture::new(), vec![0], FrameFiles::new(dir.path()));
    let error = render
        .render_frame(&brayns, 1, &CancelToken::new(), &mut |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Usage(message) if message.contains("1 frames")),
        "{error}"
    );
    mock.stop().await;
}

/// What `ffprobe` says of a movie's video stream.
#[derive(Debug)]
struct Probe {
    codec: String,
    width: u64,
    height: u64,
    frames: u64,
    duration: f64,
}

fn ffprobe(path: &Path) -> Probe {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames",
        ])
        .args(["-show_entries", "format=duration", "-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe runs (bash .ci/run installs ffmpeg, which has it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let stream = &json["streams"][0];
    let number = |value: &serde_json::Value| value.as_str().and_then(|text| text.parse().ok());
    Probe {
        codec: stream["codec_name"].as_str().unwrap().to_owned(),
        width: stream["width"].as_u64().unwrap(),
        height: stream["height"].as_u64().unwrap(),
        frames: number(&stream["nb_read_frames"]).unwrap(),
        duration: json["format"]["duration"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
    }
}

/// Ten 64x48 frames rendered by the mock.
async fn rendered_frames(dir: &Path) -> FrameFiles {
    let (mock, brayns) = start(1, Duration::from_millis(1)).await;
    let files = FrameFiles::new(dir.join("frames"));
    let render = FrameRender::new(
        Capture::new().resolution(Resolution::new(96, 64)),
        (0..10).collect(),
        files.clone(),
    );
    assert_eq!(render_all(&render, &brayns).await.0, 10);
    mock.stop().await;
    files
}

#[tokio::test]
async fn rendered_frames_make_a_movie_of_the_right_length_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let files = rendered_frames(dir.path()).await;
    let output = dir.path().join("movie.mp4");
    let movie = Movie::new(files.pattern(), 5.0)
        .codec("libx264")
        .quality(30);
    let logs = tokio::task::spawn_blocking({
        let output = output.clone();
        move || movie.encode(output)
    })
    .await
    .unwrap()
    .expect("ffmpeg encodes");
    assert!(!logs.is_empty(), "ffmpeg's log is returned");
    let probe = ffprobe(&output);
    assert_eq!(probe.codec, "h264");
    assert_eq!((probe.width, probe.height), (96, 64));
    assert_eq!(probe.frames, 10);
    assert!(
        (probe.duration - 2.0).abs() < 0.05,
        "10 frames at 5 fps: {probe:?}"
    );

    // Scaled, another codec, container and frame rate, with a bitrate (accepted by ffmpeg;
    // ten identical tiny frames cannot show it in the output).
    let output = dir.path().join("movie.avi");
    Movie::new(files.pattern(), 10.0)
        .codec("mpeg4")
        .bitrate(200_000)
        .resolution(Resolution::new(32, 24))
        .encode(&output)
        .expect("ffmpeg encodes");
    let probe = ffprobe(&output);
    assert_eq!(probe.codec, "mpeg4");
    assert_eq!((probe.width, probe.height), (32, 24));
    assert_eq!(probe.frames, 10);
    assert!(
        (probe.duration - 1.0).abs() < 0.05,
        "10 frames at 10 fps: {probe:?}"
    );
}

#[test]
fn a_missing_ffmpeg_is_named() {
    let missing = "/nonexistent/bin/ffmpeg";
    let dir = tempfile::tempdir().unwrap();
    let error = Movie::new(dir.path().join("%05d.png"), 25.0)
        .ffmpeg(missing)
        .encode(dir.path().join("movie.mp4"))
        .unwrap_err();
    assert!(matches!(&error, Error::Spawn { program, .. } if program.as_os_str() == missing));
    assert!(error.to_string().contains(missing), "{error}");
}

#[test]
fn a_failed_encoding_gives_ffmpegs_status_and_log() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("%05d.png");
    let error = Movie::new(&pattern, 25.0)
        .encode(dir.path().join("movie.mp4"))
        .unwrap_err();
    let Error::Exited {
        program,
        status,
        logs,
    } = &error
    else {
        panic!("expected Exited, got {error:?}");
    };
    assert_eq!(program, Path::new("ffmpeg"));
    assert!(!status.success());
    assert!(
        logs.iter()
            .any(|line| line.contains(&*pattern.to_string_lossy())),
        "the log says which input is missing: {logs:#?}"
    );
    assert!(!dir.path().join("movie.mp4").exists());
}

#[test]
fn bad_movie_settings_are_refused_before_ffmpeg_runs() {
    for movie in [
        Movie::new("%05d.png", 0.0),
        Movie::new("%05d.png", f64::NAN),
        Movie::new("%05d.png", 25.0).resolution(Resolution::new(0, 10)),
    ] {
        // A missing program would be Spawn: Usage proves nothing ran.
        let error = movie
            .clone()
            .ffmpeg("/nonexistent/ffmpeg")
            .encode("m.mp4")
            .unwrap_err();
        assert!(matches!(error, Error::Usage(_)), "{movie:?}: {error:?}");
    }
}
