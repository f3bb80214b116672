/// The twelve colour names of the synthetic world, each with one fixed sRGB value.
///
/// The values are far apart (the closest pair, orange and yellow, is about 90 apart in RGB), so a pixel can be
/// named by its nearest palette entry. Captions use the raw value (British spelling: "grey").
public enum NamedColor: String, CaseIterable, Codable, Sendable, Comparable {
    case red, orange, yellow, green, blue, purple, pink, brown, black, white, grey, cyan

    /// The colour's fixed 8-bit sRGB value.
    public var rgb: SIMD3<UInt8> {
        switch self {
        case .red: return SIMD3(220, 30, 30)
        case .orange: return SIMD3(250, 130, 0)
        case .yellow: return SIMD3(250, 220, 0)
        case .green: return SIMD3(40, 170, 60)
        case .blue: return SIMD3(30, 80, 230)
        case .purple: return SIMD3(140, 50, 190)
        case .pink: return SIMD3(250, 120, 190)
        case .brown: return SIMD3(120, 70, 20)
        case .black: return SIMD3(20, 20, 20)
        case .white: return SIMD3(245, 245, 245)
        case .grey: return SIMD3(128, 128, 128)
        case .cyan: return SIMD3(0, 200, 220)
        }
    }

    /// The colour as floats in `[0, 1]`.
    public var unitRGB: SIMD3<Float> {
        SIMD3<Float>(rgb) / 255
    }

    /// Euclidean distance in 8-bit RGB units between this colour and `other` (any RGB triple, 0...255).
    public func distance(to other: SIMD3<Float>) -> Float {
        let d = SIMD3<Float>(rgb) - other
        return (d * d).sum().squareRoot()
    }

    /// The palette entry nearest to an RGB triple in 0...255, with its distance.
    public static func nearest(to value: SIMD3<Float>) -> (color: NamedColor, distance: Float) {
        var best = NamedColor.red
        var bestDistance = Float.infinity
        for color in allCases {
            let d = color.distance(to: value)
            if d < bestDistance {
                best = color
                bestDistance = d
            }
        }
        return (best, bestDistance)
    }

    /// Orders colours by their declaration order, so sorted output is stable.
    public static func < (lhs: NamedColor, rhs: NamedColor) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }

    /// The word used in captions.
    public var word: String { rawValue }
}
