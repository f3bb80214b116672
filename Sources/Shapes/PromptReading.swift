/// Reads the checkable claims out of a prompt in the captions' language, so that any prompt (not only generated
/// captions) can be judged by `SceneChecker`.
///
/// "a small red star above a blue ring" gives the targets red star and blue ring and the relation
/// (0, above, 1); "a red circle on the left" gives red circle at position left. Words outside the vocabulary are
/// ignored; a colour not followed by a shape word is not a target but a background colour, when the prompt names a
/// background ("… on a blue background", "… a grey to black gradient background", "… blue and white stripes").
public struct PromptReading: Sendable, Equatable {
    /// A relation claimed between two targets, by index into `targets`.
    public struct Claim: Sendable, Equatable {
        /// The index of the subject target.
        public var subject: Int
        /// The relation.
        public var relation: Relation
        /// The index of the reference target.
        public var reference: Int
    }

    /// The objects the prompt asks for, in order of mention.
    public var targets: [CheckTarget]
    /// The sizes asked for, parallel to `targets` (nil where no size word precedes the colour).
    public var sizes: [ObjectSize?]
    /// The relations the prompt claims.
    public var claims: [Claim]
    /// The background asked for, when the prompt names one with its colours (one for plain, two for a gradient, top
    /// colour first, or stripes); nil otherwise, e.g. for "on a gradient background" without colours.
    public var background: Background?

    /// Reads a prompt. Case and punctuation are ignored.
    public init(_ prompt: String) {
        let cleaned = prompt.lowercased().map { $0.isLetter || $0 == " " ? $0 : " " }
        let words = String(cleaned).split(separator: " ").map { $0 == "center" ? "centre" : String($0) }
        var targets: [CheckTarget] = []
        var sizes: [ObjectSize?] = []
        var claims: [Claim] = []
        var backgroundColors: [NamedColor] = []
        var pendingRelation: (subject: Int, relation: Relation)?
        var i = 0
        while i < words.count {
            guard let color = NamedColor(rawValue: words[i] == "gray" ? "grey" : words[i]) else {
                i += 1
                continue
            }
            guard i + 1 < words.count, let shape = ShapeKind(rawValue: PromptReading.singular(words[i + 1])) else {
                backgroundColors.append(color)
                i += 1
                continue
            }
            var target = CheckTarget(color: color, shape: shape)
            let size = i > 0 ? ObjectSize(rawValue: words[i - 1]) : nil
            let rest = words[(i + 2)...].joined(separator: " ") + " "
            if let position = Position.allCases.first(where: { rest.hasPrefix($0.phrase + " ") }) {
                target.position = position
            }
            let index = targets.count
            targets.append(target)
            sizes.append(size)
            if let pending = pendingRelation {
                claims.append(Claim(subject: pending.subject, relation: pending.relation, reference: index))
                pendingRelation = nil
            }
            // "… star above a …": the next target is the relation's reference.
            if let relation = Relation.allCases.first(where: { rest.hasPrefix($0.phrase + " ") }) {
                pendingRelation = (index, relation)
            }
            i += 2
        }
        self.targets = targets
        self.sizes = sizes
        self.claims = claims
        self.background = PromptReading.background(words: words, colors: backgroundColors)
    }

    /// The background named by a prompt's words, given its colours that name no object.
    private static func background(words: [String], colors: [NamedColor]) -> Background? {
        guard words.contains("background") || words.contains("stripes") else { return nil }
        let style: Background.Style =
            words.contains("gradient")
            ? .gradient : words.contains { $0 == "striped" || $0 == "stripes" } ? .striped : .plain
        guard colors.count == (style == .plain ? 1 : 2) else { return nil }
        return Background(style: style, colors: colors)
    }

    private static func singular(_ word: String) -> String {
        word.hasSuffix("s") && ShapeKind(rawValue: String(word.dropLast())) != nil ? String(word.dropLast()) : word
    }
}
