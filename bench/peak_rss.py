"""Run a command and write its peak resident set size (KiB) to a file: peak_rss.py FILE CMD...

Linux keeps a process's peak RSS across exec, so a command started straight from the benchmark
process would report at least that process's own size; started from this small one, it doesn't.
"""

import os
import sys


def main():
    report, command = sys.argv[1], sys.argv[2:]
    pid = os.fork()
    if pid == 0:
        os.execvp(command[0], command)
    _pid, status, usage = os.wait4(pid, 0)
    with open(report, "w") as out:
        out.write(str(usage.ru_maxrss))
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
