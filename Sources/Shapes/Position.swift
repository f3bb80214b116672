/// Where an object sits in the picture: one of five slots.
///
/// Objects are placed at their slot's centre plus a small jitter (at most `Position.jitter` per axis), in
/// normalized image coordinates: x to the right, y down, both in `[0, 1]`.
public enum Position: String, CaseIterable, Codable, Sendable {
    case left, right, top, bottom, centre

    /// How far from its slot centre an object may be placed, per axis (normalized units).
    public static let jitter = 0.025

    /// The slot centre in normalized image coordinates (x right, y down).
    public var center: SIMD2<Double> {
        switch self {
        case .left: return SIMD2(0.23, 0.5)
        case .right: return SIMD2(0.77, 0.5)
        case .top: return SIMD2(0.5, 0.23)
        case .bottom: return SIMD2(0.5, 0.77)
        case .centre: return SIMD2(0.5, 0.5)
        }
    }

    /// The phrase used in captions: "on the left", "at the top", "in the centre".
    public var phrase: String {
        switch self {
        case .left: return "on the left"
        case .right: return "on the right"
        case .top: return "at the top"
        case .bottom: return "at the bottom"
        case .centre: return "in the centre"
        }
    }

    /// Classifies a point (normalized, x right, y down) by region: within 0.12 of the middle on both axes is
    /// the centre; otherwise the dominant axis of the offset from the middle decides.
    public init(classifying point: SIMD2<Double>) {
        let d = point - SIMD2(0.5, 0.5)
        if abs(d.x) < 0.12 && abs(d.y) < 0.12 {
            self = .centre
        } else if abs(d.x) >= abs(d.y) {
            self = d.x < 0 ? .left : .right
        } else {
            self = d.y < 0 ? .top : .bottom
        }
    }
}
