import XCTest
@testable import IPC

final class IPCSmokeTests: XCTestCase {}
