/// Captions: several phrasings per scene, every one truthful to the attributes.
///
/// Single objects: "a small red star", "a red star on the left", "a red star on a white background",
/// "a picture of a red star", "red star on a white background", …
/// Two objects: "a small red star above a blue ring", "a blue ring below a small red star",
/// "red star and blue ring on a white background", "a red star on the left and a blue ring on the right",
/// "a picture of a red star" (the subject alone), …
/// Three objects: lists, one relation plus the third object, positions, "three shapes on …: …".
/// Sizes are mentioned about half the time; captions never mention anything false.
extension Scene {
    /// The scene's own caption (variant 0), chosen deterministically from the seed.
    public var caption: String { caption(variant: 0) }

    /// Another deterministic phrasing of the same scene, for caption augmentation; variant 0 is `caption`.
    public func caption(variant: Int) -> String {
        let stream = (split.stream ^ 0xCA97_1010_0000_0000) &+ UInt64(truncatingIfNeeded: variant)
        var writer = CaptionWriter(scene: self, rng: SplitMix64(seed: seed, stream: stream))
        return writer.write()
    }
}

/// Builds one caption from templates with a scene's caption stream.
struct CaptionWriter {
    let scene: Scene
    var rng: SplitMix64

    mutating func write() -> String {
        switch scene.objects.count {
        case 0: return scene.background.phrase(variant: rng.int(below: 2))
        case 1: return single(scene.objects[0])
        case 2: return pair(scene.objects[0], scene.objects[1])
        default: return triple(Array(scene.objects.prefix(3)))
        }
    }

    private mutating func single(_ o: SceneObject) -> String {
        let background = scene.background.phrase(variant: rng.int(below: 2))
        switch rng.int(below: 7) {
        case 0: return named(o)
        case 1: return "\(named(o)) \(o.position.phrase)"
        case 2: return "\(named(o)) on \(background)"
        case 3: return "\(named(o)) \(o.position.phrase) on \(background)"
        case 4: return "a picture of \(named(o))"
        case 5: return "\(o.noun) on \(background)"
        default: return "an image of \(named(o)) \(o.position.phrase)"
        }
    }

    private mutating func pair(_ a: SceneObject, _ b: SceneObject) -> String {
        let background = scene.background.phrase(variant: rng.int(below: 2))
        switch rng.int(below: 7) {
        case 0: return related(a, b)
        case 1: return "\(a.noun) and \(b.noun) on \(background)"
        case 2: return "a picture of \(named(a)) and \(named(b))"
        case 3: return "\(named(a)) \(a.position.phrase) and \(named(b)) \(b.position.phrase)"
        case 4: return "a picture of \(named(a))"
        case 5: return "\(related(a, b)) on \(background)"
        default: return "two shapes: \(named(a)) and \(named(b))"
        }
    }

    private mutating func triple(_ objects: [SceneObject]) -> String {
        let background = scene.background.phrase(variant: rng.int(below: 2))
        let order = rng.shuffled(objects)
        switch rng.int(below: 6) {
        case 0: return "\(named(order[0])), \(named(order[1])) and \(named(order[2]))"
        case 1: return "\(related(order[0], order[1])), and \(named(order[2]))"
        case 2: return "three shapes on \(background): \(named(order[0])), \(named(order[1])) and \(named(order[2]))"
        case 3:
            let parts = order.map { "\(named($0)) \($0.position.phrase)" }
            return "\(parts[0]), \(parts[1]) and \(parts[2])"
        case 4: return "a picture of \(named(objects[0]))"
        default: return "\(order[0].noun), \(order[1].noun) and \(order[2].noun) on \(background)"
        }
    }

    /// "a small red star above a blue ring", read either way round.
    private mutating func related(_ a: SceneObject, _ b: SceneObject) -> String {
        let (subject, reference) = rng.chance(0.5) ? (a, b) : (b, a)
        let relations = Relation.all(subject.position, reference.position)
        guard let relation = rng.element(of: relations) else { return "\(named(subject)) and \(named(reference))" }
        return "\(named(subject)) \(relation.phrase) \(named(reference))"
    }

    /// "a red star" or "a small red star", with the right article.
    private mutating func named(_ o: SceneObject) -> String {
        let words = rng.chance(0.5) ? "\(o.size.word) \(o.noun)" : o.noun
        return "\(Self.article(words)) \(words)"
    }

    /// "a" or "an" for the word that follows.
    static func article(_ following: String) -> String {
        guard let first = following.first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }
}
