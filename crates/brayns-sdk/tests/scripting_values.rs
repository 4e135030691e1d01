//! The scripting layer's pure parts: math, framing, simulation conversions, colors and
//! opacity curves, checked against known values. Values marked "Python" are what the
//! official client (`brayns` 3.10.1) computes for the same input.

use brayns_sdk::camera::{Framing, Orthographic, Perspective, Projection, View};
use brayns_sdk::color::{
    Color, ColorMethod, ColorRamp, ControlPoint, OpacityCurve, ParseColorError, ValueRange,
};
use brayns_sdk::math::{
    Angle, Bounds, DQuat, DVec3, Side, Transform, axis, axis_angle, euler, euler_angles,
    rotate_around, rotation_between,
};
use brayns_sdk::simulation::{Simulation, TimeUnit};
use brayns_sdk::types;

const EPSILON: f64 = 1e-9;

fn assert_vec(actual: DVec3, expected: [f64; 3]) {
    assert!(
        actual.abs_diff_eq(DVec3::from(expected), EPSILON),
        "{actual:?} != {expected:?}"
    );
}

fn assert_quat(actual: DQuat, expected: [f64; 4]) {
    let expected = DQuat::from_array(expected);
    // q and -q are the same rotation.
    assert!(
        actual.abs_diff_eq(expected, EPSILON) || actual.abs_diff_eq(-expected, EPSILON),
        "{actual:?} != {expected:?}"
    );
}

fn degrees(x: f64, y: f64, z: f64) -> DQuat {
    euler(Angle::degrees(x), Angle::degrees(y), Angle::degrees(z))
}

#[test]
fn angles_convert_between_degrees_and_radians() {
    assert_eq!(Angle::degrees(180.0).to_radians(), std::f64::consts::PI);
    assert_eq!(
        Angle::radians(std::f64::consts::FRAC_PI_2).to_degrees(),
        90.0
    );
    assert_eq!(
        (Angle::degrees(30.0) + Angle::degrees(60.0)).to_degrees(),
        90.0
    );
    assert_eq!((-Angle::degrees(45.0)).to_degrees(), -45.0);
}

#[test]
fn euler_angles_match_the_python_client() {
    let rotation = degrees(30.0, 45.0, 60.0);
    // Python: euler(30, 45, 60, degrees=True).quaternion
    assert_quat(
        rotation,
        [
            0.022260026714733816,
            0.43967973954090955,
            0.3604234056503559,
            0.8223631719059994,
        ],
    );
    let [x, y, z] = euler_angles(rotation);
    assert!((x.to_degrees() - 30.0).abs() < EPSILON);
    assert!((y.to_degrees() - 45.0).abs() < EPSILON);
    assert!((z.to_degrees() - 60.0).abs() < EPSILON);
    // Python: rotation.apply(Vector3(1, 2, 3)) and with center=Vector3(1, 1, 1)
    assert_vec(
        rotation * DVec3::new(1.0, 2.0, 3.0),
        [1.424703540406898, 2.931760532845759, 1.8371173070873839],
    );
    assert_vec(
        rotate_around(rotation, DVec3::new(1.0, 2.0, 3.0), DVec3::ONE),
        [1.90517453477687, 2.299859091519938, 2.578298261984863],
    );
}

#[test]
fn axis_angle_and_between_match_the_python_client() {
    // Python: Rotation.from_axis_angle(Vector3(1, 1, 0), 120, degrees=True)
    let rotation = axis_angle(DVec3::new(1.0, 1.0, 0.0), Angle::degrees(120.0)).unwrap();
    assert_quat(rotation, [0.6123724356957945, 0.6123724356957945, 0.0, 0.5]);
    // Python: Rotation.between(Vector3(1, 0, 0), Vector3(0, 1, 1))
    let between = rotation_between(DVec3::X, DVec3::new(0.0, 1.0, 1.0)).unwrap();
    assert_quat(between, [0.0, -0.5, 0.5, std::f64::consts::FRAC_1_SQRT_2]);
    // Opposite directions: a half turn.
    let half = rotation_between(DVec3::X, DVec3::NEG_X).unwrap();
    assert_vec(half * DVec3::X, [-1.0, 0.0, 0.0]);
    // Zero vectors have no direction.
    assert_eq!(rotation_between(DVec3::ZERO, DVec3::X), None);
    assert_eq!(axis_angle(DVec3::ZERO, Angle::degrees(90.0)), None);
}

#[test]
fn sides_match_the_python_camera_and_model_rotations() {
    let half = std::f64::consts::FRAC_1_SQRT_2;
    // Python: CameraRotation.top, CameraRotation.right
    assert_quat(Side::Top.camera_rotation(), [-half, 0.0, 0.0, half]);
    assert_quat(Side::Right.camera_rotation(), [0.0, half, 0.0, half]);
    // Python: ModelRotation.top == euler(90, 0, 0), ModelRotation.left == euler(0, 90, 0)
    assert_quat(
        Side::Top.model_rotation(),
        degrees(90.0, 0.0, 0.0).to_array(),
    );
    assert_quat(
        Side::Left.model_rotation(),
        degrees(0.0, 90.0, 0.0).to_array(),
    );
    // A front camera turned to a side sits on that side of the target.
    let cases = [
        (Side::Front, axis::FRONT),
        (Side::Back, axis::BACK),
        (Side::Top, axis::UP),
        (Side::Bottom, axis::DOWN),
        (Side::Right, axis::RIGHT),
        (Side::Left, axis::LEFT),
    ];
    for (side, expected) in cases {
        let view =
            View::look_at(axis::FRONT, DVec3::ZERO).rotate_around_target(side.camera_rotation());
        assert_vec(view.position, expected.to_array());
    }
}

#[test]
fn bounds_center_size_union_and_rotation() {
    let bounds = Bounds::new(DVec3::new(-1.0, -2.0, -3.0), DVec3::new(3.0, 2.0, 1.0));
    assert_eq!(bounds.center(), DVec3::new(1.0, 0.0, -1.0));
    assert_eq!(bounds.size(), DVec3::new(4.0, 4.0, 4.0));
    assert!(bounds.contains(DVec3::new(3.0, 0.0, 0.0)));
    assert!(!bounds.contains(DVec3::new(3.1, 0.0, 0.0)));
    let other = Bounds::new(DVec3::new(0.0, 0.0, 0.0), DVec3::new(5.0, 1.0, 2.0));
    let union = bounds.union(&other);
    assert_eq!(
        union,
        Bounds::new(DVec3::new(-1.0, -2.0, -3.0), DVec3::new(5.0, 2.0, 2.0))
    );
    assert_eq!(Bounds::union_all([bounds, other]), Some(union));
    assert_eq!(Bounds::union_all([]), None);
    assert_eq!(
        Bounds::of_points([DVec3::X, DVec3::NEG_Y, DVec3::Z]),
        Some(Bounds::new(
            DVec3::new(0.0, -1.0, 0.0),
            DVec3::new(1.0, 0.0, 1.0)
        ))
    );
    // Python: bounds.rotate(euler(30, 45, 60, degrees=True), bounds.center)
    let rotated = bounds.rotate(degrees(30.0, 45.0, 60.0), bounds.center());
    assert_vec(
        rotated.min,
        [-2.331951230073507, -3.2638028826516434, -4.346065214951231],
    );
    assert_vec(
        rotated.max,
        [4.331951230073507, 3.2638028826516434, 2.3460652149512318],
    );
    assert!(bounds.is_valid());
    assert!(!Bounds::new(DVec3::ONE, DVec3::ZERO).is_valid());
}

#[test]
fn bounds_and_transforms_convert_to_and_from_the_generated_types() {
    let generated = types::Bounds {
        min: [1.0, 2.0, 3.0],
        max: [4.0, 5.0, 6.0],
    };
    let bounds = Bounds::from(generated.clone());
    assert_eq!(bounds.min, DVec3::new(1.0, 2.0, 3.0));
    assert_eq!(types::Bounds::from(bounds), generated);

    let rotation = degrees(30.0, 45.0, 60.0);
    let transform = Transform {
        translation: DVec3::new(1.0, 2.0, 3.0),
        rotation,
        scale: DVec3::splat(2.0),
    };
    let generated = types::Transform::from(transform);
    assert_eq!(generated.rotation, Some(rotation.to_array()));
    assert_eq!(Transform::from(generated), transform);
    // Missing parts are the identity's.
    assert_eq!(
        Transform::from(types::Transform::default()),
        Transform::IDENTITY
    );
    // Python: Transform(Vector3(1, 2, 3), euler(30, 45, 60, degrees=True), Vector3(2, 2, 2)).apply(Vector3(1, 0, 0))
    assert_vec(
        transform.apply(DVec3::X),
        [1.7071067811865475, 3.224744871391589, 1.5857864376269049],
    );
    assert!(
        transform
            .to_affine()
            .transform_point3(DVec3::X)
            .abs_diff_eq(transform.apply(DVec3::X), EPSILON)
    );
    // A rotation around a center keeps it in place.
    let around = Transform::rotation_around(rotation, DVec3::new(5.0, 0.0, 0.0));
    assert_vec(around.apply(DVec3::new(5.0, 0.0, 0.0)), [5.0, 0.0, 0.0]);
}

#[test]
fn views_measure_move_and_orient() {
    let view = View {
        position: DVec3::new(1.0, 2.0, 3.0),
        target: DVec3::ZERO,
        up: axis::UP,
    };
    assert!((view.distance() - 14f64.sqrt()).abs() < EPSILON);
    assert!((view.with_distance(2.0).distance() - 2.0).abs() < EPSILON);
    assert!(view.right().dot(view.direction()).abs() < EPSILON);
    assert!(view.real_up().dot(view.direction()).abs() < EPSILON);
    let moved = view.translate(DVec3::X);
    assert_eq!(moved.target, DVec3::X);
    // Python: View(Vector3(1, 2, 3), Vector3(0, 0, 0), Vector3(0, 1, 0)).orientation
    assert_quat(
        view.orientation().unwrap(),
        [
            -0.27465674831720616,
            0.15385645171776954,
            0.044570654466371026,
            0.9481061752931873,
        ],
    );
    let generated = types::View::from(view);
    assert_eq!(generated.position, [1.0, 2.0, 3.0]);
    assert_eq!(View::from(generated), view);
}

#[test]
fn projections_take_degrees_or_radians() {
    assert_eq!(
        Perspective::degrees(90.0).fovy,
        Perspective::radians(std::f64::consts::FRAC_PI_2).fovy
    );
    let generated = types::Perspective::from(Perspective::degrees(30.0));
    assert!(
        (generated.fovy.unwrap() - 30.0).abs() < EPSILON,
        "Brayns takes degrees"
    );
    assert_eq!(
        Perspective::from(types::Perspective::default()),
        Perspective::default()
    );
    assert_eq!(Perspective::default().fovy.to_degrees(), 45.0);
    // A 90 degree field of view shows a height of 2 from a distance of 1.
    let mut projection = Projection::from(Perspective::degrees(90.0));
    assert!((projection.fit_height(2.0) - 1.0).abs() < EPSILON);
    let mut orthographic = Projection::from(Orthographic { height: 1.0 });
    assert_eq!(orthographic.fit_height(7.0), 0.0);
    assert_eq!(
        orthographic,
        Projection::Orthographic(Orthographic { height: 7.0 })
    );
}

#[test]
fn framing_matches_the_python_camera_controller() {
    let bounds = Bounds::new(DVec3::new(-1.0, -2.0, -3.0), DVec3::new(3.0, 2.0, 1.0));
    let check = |framing: Framing, position: [f64; 3], target: [f64; 3], up: [f64; 3]| {
        let view = framing.camera().view;
        assert_vec(view.position, position);
        assert_vec(view.target, target);
        assert_vec(view.up, up);
    };
    let wide = Framing::new(bounds).aspect_ratio(16.0 / 9.0);
    // Python: CameraController(target=bounds, aspect_ratio=16/9, rotation=...).camera
    check(
        wide,
        [1.0, 0.0, 5.82842712474619],
        [1.0, 0.0, -1.0],
        [0.0, 1.0, 0.0],
    );
    check(
        wide.side(Side::Top),
        [1.0, 6.82842712474619, -1.0],
        [1.0, 0.0, -1.0],
        [0.0, 0.0, -1.0],
    );
    check(
        wide.rotation(degrees(30.0, 45.0, 60.0)),
        [9.358746610084808, 3.169929084800185, 5.924612420674521],
        [1.0, 0.0, -1.0],
        [-0.5732233047033631, 0.7391989197401168, 0.35355339059327373],
    );
    // Python: aspect_ratio=0.5, PerspectiveProjection(Fovy(30, degrees=True)), translation=Vector3(1, 0, 0)
    check(
        Framing::new(bounds)
            .resolution(500, 1000)
            .projection(Perspective::degrees(30.0))
            .translation(DVec3::X),
        [2.0, 0.0, 15.92820323027551],
        [2.0, 0.0, -1.0],
        [0.0, 1.0, 0.0],
    );
    // Python: aspect_ratio=2, OrthographicProjection: height 4, at the near face.
    let camera = Framing::new(bounds)
        .aspect_ratio(2.0)
        .projection(Orthographic { height: 1.0 })
        .camera();
    assert_vec(camera.view.position, [1.0, 0.0, 1.0]);
    assert_eq!(
        camera.projection,
        Projection::Orthographic(Orthographic { height: 4.0 })
    );
}

#[test]
fn framed_bounds_fit_in_the_field_of_view() {
    let bounds = Bounds::new(DVec3::new(-10.0, 0.0, 5.0), DVec3::new(30.0, 5.0, 8.0));
    for aspect_ratio in [0.5, 1.0, 16.0 / 9.0, 4.0] {
        let fovy = Angle::degrees(40.0);
        let camera = Framing::new(bounds)
            .aspect_ratio(aspect_ratio)
            .projection(Perspective::new(fovy))
            .camera();
        let view = camera.view;
        let half_height = (fovy.to_radians() / 2.0).tan();
        let half_width = half_height * aspect_ratio;
        let mut touches = false;
        for corner in bounds.corners() {
            let relative = corner - view.position;
            let depth = relative.dot(view.direction());
            let x = relative.dot(view.right()) / depth;
            let y = relative.dot(view.real_up()) / depth;
            assert!(depth > 0.0, "{corner} is behind the camera");
            assert!(
                x.abs() <= half_width + EPSILON && y.abs() <= half_height + EPSILON,
                "{corner} is out of view"
            );
            // The near face touches an edge of the picture: the framing is tight.
            touches |= (x.abs() - half_width).abs() < 1e-6 || (y.abs() - half_height).abs() < 1e-6;
        }
        assert!(
            touches,
            "bounds framed loosely for aspect ratio {aspect_ratio}"
        );
    }
}

#[test]
fn simulation_converts_frames_and_times() {
    let simulation = Simulation::new(10, 110, 0.025, TimeUnit::Millisecond);
    assert_eq!(simulation.frame_count(), 101);
    assert!((simulation.duration() - 2.5).abs() < EPSILON);
    assert!((simulation.fps() - 40_000.0).abs() < 1e-6);
    assert!((simulation.time_of(20) - 0.5).abs() < EPSILON);
    assert!((simulation.seconds_of(20) - 0.0005).abs() < EPSILON);
    assert_eq!(simulation.frame_at(0.5), 20);
    assert_eq!(simulation.frame_at(0.5124), 20);
    assert_eq!(simulation.frame_at(0.5126), 21);
    // Clamped: before the first frame, after the last, not a number.
    assert_eq!(simulation.frame_at(-3.0), 10);
    assert_eq!(simulation.frame_at(1e300), 110);
    assert_eq!(simulation.frame_at(f64::NAN), 10);
    assert_eq!(simulation.clamp(0), 10);
    assert_eq!(simulation.clamp(50), 50);
    assert_eq!(simulation.clamp(1000), 110);
    assert_eq!(simulation.frames().count(), 101);
    assert_eq!(TimeUnit::Second.per_second(), 1.0);
    assert_eq!("ms".parse::<TimeUnit>(), Ok(TimeUnit::Millisecond));
    assert!("hours".parse::<TimeUnit>().is_err());

    let parameters = types::SimulationParameters {
        current: Some(12),
        dt: 0.1,
        end_frame: 100,
        start_frame: 0,
        unit: "ms".to_owned(),
    };
    let simulation = Simulation::try_from(parameters.clone()).unwrap();
    assert_eq!((simulation.current_frame, simulation.end_frame), (12, 100));
    // No simulation loaded: an empty unit.
    let empty = types::SimulationParameters {
        unit: String::new(),
        ..parameters.clone()
    };
    assert_eq!(
        Simulation::try_from(empty).unwrap().unit,
        TimeUnit::Millisecond
    );
    let unknown = types::SimulationParameters {
        unit: "fortnight".to_owned(),
        ..parameters
    };
    assert!(Simulation::try_from(unknown).is_err());
}

#[test]
fn colors_parse_from_hex_and_names() {
    // Python: parse_hex_color("#0a12f5")
    let expected = Color::rgb(0.0392156862745098, 0.07058823529411765, 0.9607843137254902);
    for text in ["#0a12f5", "0x0a12f5", "0a12f5", "#0A12F5"] {
        assert_eq!(text.parse::<Color>(), Ok(expected), "{text}");
    }
    assert_eq!(
        Color::from_hex("#ff000080").unwrap(),
        Color::RED.with_alpha(128.0 / 255.0)
    );
    assert_eq!(Color::from_hex("#f00").unwrap(), Color::RED);
    assert_eq!("Blue".parse::<Color>(), Ok(Color::BLUE));
    assert_eq!(
        Color::named("bbp_background"),
        Some(Color::rgb(0.004, 0.016, 0.102))
    );
    assert_eq!(Color::rgb8(255, 0, 255), Color::MAGENTA);
    assert_eq!(Color::RED.to_hex(), "#ff0000");
    assert_eq!(Color::RED.transparent().to_hex(), "#ff000000");
    assert_eq!(
        Color::from([0.1, 0.2, 0.3]).to_array(),
        [0.1, 0.2, 0.3, 1.0]
    );
}

#[test]
fn bad_colors_are_typed_errors() {
    let length = |text: &str, length: usize| {
        Err(ParseColorError::Length {
            text: text.to_owned(),
            length,
        })
    };
    let digits = |text: &str| {
        Err(ParseColorError::Digits {
            text: text.to_owned(),
        })
    };
    assert_eq!("".parse::<Color>(), length("", 0));
    assert_eq!("#12345".parse::<Color>(), length("#12345", 5));
    assert_eq!(
        "abc".parse::<Color>(),
        length("abc", 3),
        "the short form needs its #"
    );
    assert_eq!("#12345g".parse::<Color>(), digits("#12345g"));
    assert_eq!("reddish".parse::<Color>(), digits("reddish"));
    assert_eq!("#éé1234".parse::<Color>(), digits("#éé1234"));
    assert_eq!("0x+12345".parse::<Color>(), digits("0x+12345"));
    let message = "#12".parse::<Color>().unwrap_err().to_string();
    assert!(message.contains("\"#12\""), "{message}");
}

#[test]
fn color_methods_have_brayns_names() {
    assert_eq!(ColorMethod::Layer.as_str(), "layer");
    assert_eq!(ColorMethod::SynapseClass.to_string(), "synapse class");
    for method in ColorMethod::ALL {
        assert_eq!(method.as_str().parse::<ColorMethod>(), Ok(method));
    }
    assert!("by layer".parse::<ColorMethod>().is_err());
}

#[test]
fn opacity_curves_match_the_python_client() {
    // Python: OpacityCurve([ControlPoint(0.2, 0.1), ControlPoint(0.6, 0.9)]).apply([Color3.red] * 6)
    let curve = OpacityCurve::new([ControlPoint::new(0.6, 0.9), ControlPoint::new(0.2, 0.1)]);
    let opacities: Vec<f64> = curve
        .apply(&[Color::RED; 6])
        .iter()
        .map(|color| color.a)
        .collect();
    let expected = [0.0, 0.1, 0.5, 0.9, 0.95, 1.0];
    for (actual, expected) in opacities.iter().zip(expected) {
        assert!((actual - expected).abs() < EPSILON, "{opacities:?}");
    }
    assert_eq!(opacities.len(), 6);
    // Explicit end points replace the implicit ones.
    let flat = OpacityCurve::new([ControlPoint::new(0.0, 0.5), ControlPoint::new(1.0, 0.5)]);
    assert_eq!(flat.opacity_at(0.0), 0.5);
    assert_eq!(flat.opacity_at(0.7), 0.5);
    // A ramp keeps its colors, with the curve's opacity.
    let ramp = ColorRamp {
        range: ValueRange::new(-80.0, -10.0),
        colors: vec![Color::BLUE, Color::RED],
    };
    let ramp = ramp.with_opacity(&OpacityCurve::default());
    assert_eq!(ramp.colors, [Color::BLUE.transparent(), Color::RED]);
    assert_eq!(ramp.range.normalize(-45.0), 0.5);
}
