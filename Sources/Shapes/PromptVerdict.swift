/// The checker's verdict on a whole prompt: each target, and each relation the prompt claims.
public struct PromptVerdict: Sendable, Equatable {
    /// One result per target of the prompt, in order of mention.
    public var targets: [CheckResult]
    /// One entry per claimed relation: whether both objects were found with the relation between their centres.
    public var claims: [Bool]
    /// Whether the border shows the background the prompt names; nil when it names none. Judged apart: it is not
    /// part of `allCorrect`, which is about the objects.
    public var background: Bool? = nil

    /// Every target fully right (colour, shape, position when asked) and every claimed relation holding.
    /// A prompt without targets is never right.
    public var allCorrect: Bool {
        !targets.isEmpty && targets.allSatisfy(\.allCorrect) && claims.allSatisfy { $0 }
    }
}

extension SceneChecker {
    /// Checks a picture against everything a prompt asks for (see `PromptReading`).
    public func check(pixels: [UInt8], width: Int, height: Int, prompt: PromptReading) -> PromptVerdict {
        let results = prompt.targets.map { check(pixels: pixels, width: width, height: height, target: $0) }
        let claims = prompt.claims.map { claim -> Bool in
            guard results.indices.contains(claim.subject), results.indices.contains(claim.reference),
                let a = results[claim.subject].detection, let b = results[claim.reference].detection
            else { return false }
            return claim.relation.holds(a.center, b.center)
        }
        let background = prompt.background.map { check(pixels: pixels, width: width, height: height, background: $0) }
        return PromptVerdict(targets: results, claims: claims, background: background)
    }
}
