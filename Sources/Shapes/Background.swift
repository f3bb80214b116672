/// A scene's background: one plain colour, a vertical gradient between two colours, or diagonal stripes of two.
public struct Background: Codable, Sendable, Equatable {
    /// How the background is painted.
    public enum Style: String, CaseIterable, Codable, Sendable {
        /// One colour everywhere.
        case plain
        /// A vertical linear gradient from `colors[0]` at the top to `colors[1]` at the bottom.
        case gradient
        /// Diagonal stripes (period `Background.stripePeriod`, half of each colour) of `colors[0]` and `colors[1]`.
        case striped
    }

    /// The stripe period along the diagonal, as a fraction of the image side.
    public static let stripePeriod = 0.125

    /// The minimum RGB distance between an object's colour and any colour the background shows.
    public static let minimumContrast: Float = 100

    /// How the background is painted.
    public var style: Style
    /// One colour for plain backgrounds, two (first, second) for gradients and stripes.
    public var colors: [NamedColor]

    /// Creates a background; a plain one uses only the first colour.
    public init(style: Style, colors: [NamedColor]) {
        self.style = style
        self.colors = colors.isEmpty ? [.white] : colors
        if style != .plain && self.colors.count < 2 { self.colors.append(self.colors[0]) }
        if style == .plain { self.colors = [self.colors[0]] }
    }

    /// The first colour (the only one for plain backgrounds).
    public var primary: NamedColor { colors[0] }
    /// The second colour (equal to the first for plain backgrounds).
    public var secondary: NamedColor { colors.count > 1 ? colors[1] : colors[0] }

    /// Every colour the background shows, in 0...255 RGB: both ends and the gradient's intermediate mixes.
    var shownColors: [SIMD3<Float>] {
        let a = SIMD3<Float>(primary.rgb)
        let b = SIMD3<Float>(secondary.rgb)
        // Stripes show mixes too, at their antialiased edges.
        return (0...16).map { a + (b - a) * Float($0) / 16 }
    }

    /// Whether an object of `color` stands out everywhere on this background: every colour the background
    /// shows is at least `minimumContrast` away from it and is nearer to some other palette colour, so the
    /// checker never mistakes background for the object.
    public func contrasts(with color: NamedColor) -> Bool {
        shownColors.allSatisfy { shown in
            color.distance(to: shown) >= Background.minimumContrast && NamedColor.nearest(to: shown).color != color
        }
    }

    /// The phrase used in captions, e.g. "a white background", "a blue and white striped background".
    /// `variant` picks between equivalent wordings.
    public func phrase(variant: Int) -> String {
        let first = primary.word
        let second = secondary.word
        // "an orange background": the article agrees with the colour that follows it.
        let article = "aeiou".contains(first.first ?? "x") ? "an" : "a"
        switch style {
        case .plain:
            return "\(article) \(first) background"
        case .gradient:
            return variant % 2 == 0
                ? "\(article) \(first) to \(second) gradient background"
                : "a gradient background from \(first) to \(second)"
        case .striped:
            return variant % 2 == 0
                ? "\(article) \(first) and \(second) striped background"
                : "a background of \(first) and \(second) stripes"
        }
    }
}
