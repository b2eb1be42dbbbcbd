/// Turns the set of degraded states, reported as often as the daemon likes, into the sentences
/// for what changed: each state's `began` once when it appears, its `ended` once when it goes.
public struct DegradedStateTracker: Sendable {
    public private(set) var current: Set<DegradedState>

    /// `initial`: the states already announced (at start-up, by the start-up sentence).
    public init(initial: Set<DegradedState> = []) {
        current = initial
    }

    /// The messages for the change to `states`: ends first (in a stable order), then beginnings.
    public mutating func update(_ states: Set<DegradedState>) -> [Message] {
        let ended = current.subtracting(states)
        let began = states.subtracting(current)
        current = states
        let order: (DegradedState, DegradedState) -> Bool = { "\($0)" < "\($1)" }
        return ended.sorted(by: order).map(\.ended) + began.sorted(by: order).map(\.began)
    }

    /// Adds one state; its `began` if it is new, nothing if it was already known.
    public mutating func begin(_ state: DegradedState) -> [Message] {
        update(current.union([state]))
    }

    /// Removes one state; its `ended` if it was known, nothing otherwise.
    public mutating func end(_ state: DegradedState) -> [Message] {
        update(current.subtracting([state]))
    }
}
