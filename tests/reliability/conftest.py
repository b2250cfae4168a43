import tally


def pytest_terminal_summary(terminalreporter):
    if not tally.counts and not tally.peaks:
        return
    write = terminalreporter.write_line
    terminalreporter.section("reliability")
    c = tally.counts
    write(f"hostile inputs tried: {c['inputs']} ({c['commands']} check/run processes); "
          f"fuzzed rows: {c['fuzzed rows']} in {c['fuzz examples']} examples")
    write(f"crashes survived: {c['kills']} SIGKILLs mid-run ({c['kills in write']} during the "
          f"write), {c['disk full']} disk-full and {c['write refused']} permission refusals; "
          f"stale temp files left by kills: {c['stale temps']}, removed by the next run: "
          f"{c['stale removed']}")
    write(f"races run: {c['races']} ({c['busy refusals']} refused as busy, "
          f"{c['changed refusals']} refused as changed since read, {c['lockfile refusals']} "
          "refused for Excel/LibreOffice lock files)")
    write(f"nothing lost: {'yes' if not tally.losses else 'NO: ' + '; '.join(tally.losses)} "
          f"({c['lossless checks']} checks of the file's bytes or values)")
    if tally.peaks:
        top = sorted(tally.peaks.items(), key=lambda kv: -kv[1])
        write(f"peak memory of {len(top)} processes: max {top[0][1] / 2**20:.0f} MiB "
              f"({top[0][0]}); " + ", ".join(f"{k} {v / 2**20:.0f}" for k, v in top[:8])
              + " MiB")
