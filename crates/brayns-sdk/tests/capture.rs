//! The snapshot builder against `brayns-mock`: files written locally with the format of
//! their extension, typed overrides accepted by the server's checks, bytes returned,
//! progress, cancel, and bad file names refused before anything is sent.

mod common;

use std::time::Duration;

use brayns_sdk::types::{Camera, Perspective, Renderer};
use brayns_sdk::{Capture, Error, ImageFormat, Resolution};
use common::{LIMIT, start};

/// `width` and `height` of a PNG file, from its header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

#[tokio::test]
async fn saving_writes_the_file_in_the_format_of_its_extension() {
    let (mock, brayns) = start(2, Duration::from_millis(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let capture = Capture::new().resolution(Resolution::new(96, 64));

    let png = dir.path().join("frame.png");
    let mut task = capture.save(&brayns, &png).unwrap();
    let mut steps = 0;
    while tokio::time::timeout(LIMIT, task.next_progress())
        .await
        .unwrap()
        .is_some()
    {
        steps += 1;
    }
    assert!(steps > 0, "saving reports the rendering's progress");
    let written = tokio::time::timeout(LIMIT, task).await.unwrap().unwrap();
    assert_eq!(written, png);
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (96, 64));

    let jpeg = dir.path().join("frame.JPG");
    let written = capture.jpeg_quality(80).save(&brayns, &jpeg).unwrap().await;
    let bytes = std::fs::read(written.unwrap()).unwrap();
    assert_eq!(&bytes[..3], b"\xff\xd8\xff", "a JPEG signature");
    mock.stop().await;
}

#[tokio::test]
async fn typed_overrides_pass_the_servers_engine_checks() {
    let (mock, brayns) = start(1, Duration::from_millis(1)).await;
    let perspective = Perspective {
        fovy: Some(45.0),
        ..Perspective::default()
    };
    let capture = Capture::new()
        .resolution(Resolution::new(64, 64))
        .camera(perspective.clone())
        .renderer(Renderer::Current);
    assert_eq!(
        capture.params(ImageFormat::Png, None).unwrap().camera,
        Some(Camera::Perspective(perspective))
    );
    let bytes = capture
        .download(&brayns, ImageFormat::Png)
        .unwrap()
        .await
        .unwrap();
    assert_eq!(png_size(&bytes), (64, 64));

    // The server, not only the type, knows the params: an out-of-range field of a valid
    // type is the server's -32602, with the problem in its data.
    let wrong = Capture::new().camera(Perspective {
        fovy: Some(-1.0),
        ..Perspective::default()
    });
    match wrong.download(&brayns, ImageFormat::Png).unwrap().await {
        Err(Error::Server(error)) => assert_eq!(error.code, -32602, "{error:?}"),
        // Releases whose schema sets no bound on fovy accept it.
        Ok(bytes) => assert!(!bytes.is_empty()),
        Err(other) => panic!("{other:?}"),
    }
    mock.stop().await;
}

#[tokio::test]
async fn saving_on_the_server_sends_the_path_and_no_bytes_come_back() {
    let (mock, brayns) = start(1, Duration::from_millis(1)).await;
    let params = Capture::new()
        .params(ImageFormat::Jpeg, Some("/remote/frame.jpg".to_owned()))
        .unwrap();
    assert_eq!(params.file_path.as_deref(), Some("/remote/frame.jpg"));
    // The server writes the file itself (the mock too, on this machine).
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("frame.jpg");
    let result = Capture::new()
        .save_remotely(&brayns, remote.to_str().unwrap())
        .unwrap()
        .await;
    assert!(result.is_ok(), "{result:?}");
    assert!(
        std::fs::read(&remote).unwrap().starts_with(&[0xFF, 0xD8]),
        "a JPEG"
    );
    mock.stop().await;
}

#[tokio::test]
async fn a_cancelled_save_writes_nothing() {
    let (mock, brayns) = start(1000, Duration::from_millis(10)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never.png");
    let mut task = Capture::new().save(&brayns, &path).unwrap();
    let progress = tokio::time::timeout(LIMIT, task.next_progress()).await;
    assert!(progress.unwrap().is_some(), "the snapshot is running");
    task.cancel().await.unwrap();
    let ended = tokio::time::timeout(LIMIT, task).await.unwrap();
    assert!(matches!(ended, Err(Error::Cancelled(_))), "{ended:?}");
    assert!(!path.exists());
    mock.stop().await;
}

#[tokio::test]
async fn a_file_name_without_an_image_extension_is_refused_before_sending() {
    let (mock, brayns) = start(1, Duration::from_millis(1)).await;
    for name in ["frame.gif", "frame"] {
        let error = Capture::new().save(&brayns, name).unwrap_err();
        assert!(
            matches!(&error, Error::Usage(text) if text.contains(name)),
            "{error:?}"
        );
        let error = Capture::new().save_remotely(&brayns, name).unwrap_err();
        assert!(matches!(error, Error::Usage(_)), "{error:?}");
    }
    let snapshots = mock
        .task_log()
        .events()
        .into_iter()
        .filter(|event| event.method == "snapshot")
        .count();
    assert_eq!(snapshots, 0, "no snapshot reached the server");
    mock.stop().await;
}

#[tokio::test]
async fn a_framed_camera_is_a_snapshots_override() {
    use brayns_sdk::camera::{Perspective as Lens, Projection, View as Eye};
    let (mock, brayns) = start(1, Duration::from_millis(1)).await;
    let lens = Projection::Perspective(Lens::degrees(30.0));
    let eye = Eye::look_at([0.0, 0.0, 10.0].into(), [0.0; 3].into());
    let capture = Capture::new().camera(lens).view(eye);
    let params = capture.params(ImageFormat::Png, None).unwrap();
    let Some(Camera::Perspective(sent)) = params.camera else {
        panic!("a perspective override: {:?}", params.camera);
    };
    assert_eq!(sent.fovy, Some(30.0), "sent in degrees");
    assert_eq!(params.camera_view.unwrap().position, [0.0, 0.0, 10.0]);
    assert!(
        capture
            .download(&brayns, ImageFormat::Png)
            .unwrap()
            .await
            .is_ok()
    );
    mock.stop().await;
}

/// The mock draws the scene (as Brayns' cameras frame it): a box framed by `frame_scene` is
/// at the centre of the picture, in its color, with the renderer's background around it.
#[tokio::test]
async fn a_framed_box_is_at_the_centre_of_the_picture() {
    use brayns_sdk::types::{AddBoxesGeometryWithColor, BoxType};
    let (mock, brayns) = start(1, Duration::from_millis(1)).await;
    brayns
        .add_boxes(&[AddBoxesGeometryWithColor {
            geometry: BoxType {
                min: [-1.0, -1.0, -1.0],
                max: [1.0, 1.0, 1.0],
            },
            color: [0.2, 0.5, 0.9, 1.0],
        }])
        .await
        .unwrap();
    brayns.frame_scene().await.unwrap();
    let bytes = Capture::new()
        .resolution(Resolution::new(96, 64))
        .download(&brayns, ImageFormat::Png)
        .unwrap()
        .await
        .unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(&bytes[..]))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let at = |x: usize, y: usize| {
        let i = (y * info.width as usize + x) * info.color_type.samples();
        [pixels[i], pixels[i + 1], pixels[i + 2]]
    };
    let [r, g, b] = at(48, 32);
    assert!(
        b > g && g > r && b > 100,
        "the box's blue at the centre: {:?}",
        [r, g, b]
    );
    assert_ne!(at(0, 0), [r, g, b], "the background in the corner");
    mock.stop().await;
}
