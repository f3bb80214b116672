/// Draws a scene from a seed: background first, then colours that contrast with it, then slots, sizes and
/// colour–shape pairs, rejecting draws whose objects would overlap.
struct SceneSampler {
    let seed: UInt64
    let split: Split
    let options: SamplingOptions

    /// Objects keep at least this gap (normalized units) between their bounding discs.
    static let gap = 0.02

    func sample() -> Scene {
        var rng = SplitMix64(seed: seed, stream: split.stream ^ options.fingerprint)
        // The count is drawn once, so that crowded scenes are not under-represented by the retries.
        let span = options.objectCounts.upperBound - options.objectCounts.lowerBound + 1
        let count = options.objectCounts.lowerBound + rng.int(below: span)
        // Rejection sampling: an attempt fails only on overlap or contrast dead ends.
        for _ in 0..<256 {
            if let scene = attempt(&rng, count: count) { return scene }
        }
        return fallback()
    }

    private func attempt(_ rng: inout SplitMix64, count: Int) -> Scene? {
        let background = drawBackground(&rng)
        var available = NamedColor.allCases.filter { background.contrasts(with: $0) }
        guard available.count >= count else { return nil }

        let slots = rng.shuffled(Position.allCases)
        var objects: [SceneObject] = []
        for index in 0..<count {
            guard let combination = drawCombination(&rng, subject: index == 0, colors: available) else { return nil }
            available.removeAll { $0 == combination.color }
            guard let object = place(&rng, combination, at: slots[index], avoiding: objects) else { return nil }
            objects.append(object)
        }
        return Scene(seed: seed, split: split, background: background, objects: objects)
    }

    private func drawBackground(_ rng: inout SplitMix64) -> Background {
        // Plain twice as often as each patterned style.
        var styles: [Background.Style] = []
        for style in options.backgroundStyles { styles += style == .plain ? [style, style] : [style] }
        let style = rng.element(of: styles) ?? .plain
        let primary = rng.element(of: NamedColor.allCases) ?? .white
        let others = NamedColor.allCases.filter { $0 != primary }
        let secondary = style == .plain ? primary : (rng.element(of: others) ?? .white)
        return Background(style: style, colors: [primary, secondary])
    }

    private func drawCombination(_ rng: inout SplitMix64, subject: Bool, colors: [NamedColor]) -> Combination? {
        if split == .heldout && subject {
            return rng.element(of: Split.heldOutCombinations.filter { colors.contains($0.color) })
        }
        for _ in 0..<64 {
            guard let color = rng.element(of: colors), let shape = rng.element(of: ShapeKind.allCases) else {
                return nil
            }
            let combination = Combination(color: color, shape: shape)
            if !Split.isHeldOut(combination) { return combination }
        }
        return nil
    }

    private func place(
        _ rng: inout SplitMix64, _ combination: Combination, at slot: Position, avoiding others: [SceneObject]
    ) -> SceneObject? {
        var size: ObjectSize = rng.chance(0.5) ? .small : .large
        for _ in 0..<8 {
            let x = slot.center.x + rng.uniform(-Position.jitter, Position.jitter)
            let y = slot.center.y + rng.uniform(-Position.jitter, Position.jitter)
            let radius = size.nominalRadius * rng.uniform(0.94, 1.06)
            let object = SceneObject(
                shape: combination.shape, color: combination.color, size: size, position: slot, x: x, y: y,
                radius: radius)
            if others.allSatisfy({ SceneSampler.separated(object, $0) }) { return object }
            // A large object that does not fit is tried small before the attempt is given up.
            size = .small
        }
        return nil
    }

    static func separated(_ a: SceneObject, _ b: SceneObject) -> Bool {
        let dx = a.x - b.x
        let dy = a.y - b.y
        return (dx * dx + dy * dy).squareRoot() >= a.radius + b.radius + gap
    }

    /// Never reached in practice: a red circle on white, so that sampling is total.
    private func fallback() -> Scene {
        let subject: Combination =
            split == .heldout ? Split.heldOutCombinations[0] : Combination(color: .red, shape: .circle)
        let object = SceneObject(shape: subject.shape, color: subject.color, size: .large, position: .centre)
        return Scene(
            seed: seed, split: split, background: Background(style: .plain, colors: [.white]), objects: [object])
    }
}
