import SystemSupport
import XCTest

/// Command lines as the daemon's and the client's commands read them.
final class ArgumentCursorTests: XCTestCase {
    private struct Parsed: Equatable {
        var beams: Int?
        var timeout: Double?
        var model: String?
        var json = false
        var positional: [String] = []
    }

    private func parse(_ args: [String]) throws -> Parsed {
        var p = Parsed()
        var cursor = ArgumentCursor(args)
        while let argument = try cursor.next() {
            switch argument {
            case .option("--beams"): p.beams = try cursor.int(in: 1...64)
            case .option("--timeout"): p.timeout = try cursor.double(in: 0.001...3600)
            case .option("--model"): p.model = try cursor.value()
            case .option("--json"): p.json = true
            case .positional(let s): p.positional.append(s)
            case .option(let other): throw ArgumentError.unknownOption(other)
            }
        }
        return p
    }

    private func message(_ args: [String]) -> String? {
        do { _ = try parse(args); return nil } catch { return "\(error)" }
    }

    func testValuesInlineValuesFlagsAndPositionals() throws {
        XCTAssertEqual(try parse(["--beams", "4", "--model=/m/x=y", "a.jpg", "--json", "-", "--timeout", "2.5"]),
                       Parsed(beams: 4, timeout: 2.5, model: "/m/x=y", json: true, positional: ["a.jpg", "-"]))
        XCTAssertEqual(try parse(["--beams=2", "--", "--json", "-x"]), Parsed(beams: 2, positional: ["--json", "-x"]))
        // A value may itself look like an option when it follows its flag.
        XCTAssertEqual(try parse(["--model", "--json"]).model, "--json")
    }

    func testABadNumberIsAnErrorNamingTheFlagNeverZero() {
        XCTAssertEqual(message(["--beams", "x"]), "--beams: 'x' is not a whole number")
        XCTAssertEqual(message(["--beams=2.5"]), "--beams: '2.5' is not a whole number")
        XCTAssertEqual(message(["--beams", ""]), "--beams: '' is not a whole number")
        XCTAssertEqual(message(["--beams", "0"]), "--beams: 0 is out of range (1...64)")
        XCTAssertEqual(message(["--beams", "99999999999999999999"]), "--beams: '99999999999999999999' is not a whole number")
        XCTAssertEqual(message(["--timeout", "soon"]), "--timeout: 'soon' is not a number")
        XCTAssertEqual(message(["--timeout", "nan"]), "--timeout: 'nan' is not a number")
        XCTAssertEqual(message(["--timeout", "-1"]), "--timeout: -1 is out of range (0.001...3600)")
    }

    func testMissingValuesUnknownOptionsAndStrayInlineValues() {
        XCTAssertEqual(message(["a.jpg", "--beams"]), "--beams needs a value")
        XCTAssertEqual(message(["--bems", "3"]), "unknown option '--bems'")
        XCTAssertEqual(message(["-v"]), "unknown option '-v'")
        XCTAssertEqual(message(["--json=yes"]), "--json takes no value, but was given 'yes'")
    }

    func testRangesInWordsAndTheRestOfTheLine() throws {
        var cursor = ArgumentCursor(["--limit", "-3", "model", "use", "x"])
        XCTAssertEqual(try cursor.next(), .option("--limit"))
        XCTAssertThrowsError(try cursor.int(in: 1...Int.max)) { error in
            XCTAssertEqual("\(error)", "--limit: -3 is out of range (at least 1)")
        }
        XCTAssertEqual(try cursor.next(), .positional("model"))
        XCTAssertEqual(cursor.rest(), ["use", "x"])
        XCTAssertNil(try cursor.next())
    }

    func testOptionsPassedThroughKeepTheirInlineValue() throws {
        var cursor = ArgumentCursor(["--json", "history", "--limit=5", "--no-speak"])
        var passed: [String] = []
        while let argument = try cursor.next() {
            switch argument {
            case .option("--json"): continue
            case .option: passed.append(cursor.optionAsGiven())
            case .positional(let p): passed.append(p)
            }
        }
        XCTAssertEqual(passed, ["history", "--limit=5", "--no-speak"])
    }
}
