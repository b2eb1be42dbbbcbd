import Foundation
import IPC
import SystemSupport

/// The last descriptions, newest last, for `repeat` and `history`. Seeded from the journal at
/// start so "repeat" still works after a restart. The pipeline adds; the router reads.
final class CaptionHistory: Sendable {
    private struct State {
        var entries: [HistoryEntry] = []
        var capacity: Int
    }

    private let state: Locked<State>

    init(capacity: Int) {
        state = Locked(State(capacity: capacity))
    }

    func add(_ e: HistoryEntry) {
        state.withLock { s in
            s.entries.append(e)
            CaptionHistory.trim(&s)
        }
    }

    /// SIGHUP may change `history_size`; the newest entries are kept.
    func resize(to capacity: Int) {
        state.withLock { s in
            s.capacity = capacity
            CaptionHistory.trim(&s)
        }
    }

    private static func trim(_ s: inout State) {
        if s.entries.count > s.capacity { s.entries.removeFirst(s.entries.count - s.capacity) }
    }

    var last: HistoryEntry? { state.withLock { $0.entries.last } }

    func newest(_ limit: Int) -> [HistoryEntry] { state.withLock { Array($0.entries.suffix(max(0, limit))) } }

    /// Removes every entry (`all`) or the newest `n` (`forget`); returns how many went.
    func remove(_ scope: ForgetScope) -> Int {
        state.withLock { s in
            let n: Int
            switch scope {
            case .all: n = s.entries.count
            case .last(let count): n = min(max(0, count), s.entries.count)
            }
            s.entries.removeLast(n)
            return n
        }
    }

    /// Removes the entries made before `time` (`retention_days`); returns how many went.
    func remove(before time: Double) -> Int {
        state.withLock { s in
            let old = s.entries.count
            s.entries.removeAll { $0.time < time }
            return old - s.entries.count
        }
    }
}
