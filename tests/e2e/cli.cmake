# End-to-end checks of the ntrun CLI on the example bundle: exit codes, --help, the JSON
# report's keys, byte-identical reports for the same seed and for 1 or 2 threads, errors with
# file:line.
#   cmake -DNTRUN=<binary> -DSRC=<repo root> -DWORK=<scratch dir> -P cli.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(expect_run expected_rc)
  execute_process(COMMAND ${NTRUN} ${ARGN} WORKING_DIRECTORY ${SRC}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expected_rc)
    message(FATAL_ERROR "ntrun ${ARGN}: exit ${rc}, expected ${expected_rc}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(last_out "${out}" PARENT_SCOPE)
  set(last_err "${err}" PARENT_SCOPE)
endfunction()

function(expect_contains text needle what)
  string(FIND "${text}" "${needle}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "${what}: expected to find '${needle}' in:\n${text}")
  endif()
endfunction()

# Help and usage errors.
expect_run(0 --help)
expect_contains("${last_out}" "run" "ntrun --help")
foreach(cmd run test exec version)
  expect_run(0 ${cmd} --help)
endforeach()
expect_run(2)
expect_run(2 frobnicate)
expect_run(2 run)
expect_run(0 version)
expect_contains("${last_out}" "ntrun" "ntrun version")

# The default bundle: report table, JSON with the documented keys, determinism.
expect_run(0 run examples/sma_cross --json ${WORK}/a.json --seed 7 -q)
expect_contains("${last_out}" "Sharpe" "report table")
expect_run(0 run examples/sma_cross --json ${WORK}/b.json --seed 7 -q)
file(READ ${WORK}/a.json a)
file(READ ${WORK}/b.json b)
if(NOT a STREQUAL b)
  message(FATAL_ERROR "two runs with the same seed gave different JSON reports")
endif()
foreach(key metrics trades equity)
  string(JSON type TYPE "${a}" ${key})
endforeach()
foreach(metric total_return sharpe sortino calmar max_drawdown num_trades win_rate profit_factor)
  string(JSON value GET "${a}" metrics ${metric})
endforeach()
string(JSON ntrades LENGTH "${a}" trades)
if(ntrades LESS 1)
  message(FATAL_ERROR "sma_cross made no trades")
endif()

# --from/--to narrow the data; --capital changes the start.
expect_run(0 run examples/sma_cross --from 2010-01-01 --to 2012-12-31 --capital 50000 --json ${WORK}/c.json -q)
file(READ ${WORK}/c.json c)
string(JSON first GET "${c}" equity 0 time)
expect_contains("${first}" "2010-01-04" "--from")

# --speed paces a --watch run only, and reads Nx or max (tests/e2e/watch.sh runs --watch).
expect_run(2 run examples/sma_cross --speed 60x)
expect_contains("${last_err}" "add --watch" "--speed without --watch")
foreach(bad fast 0x -1x 60 x)
  expect_run(2 run examples/sma_cross --watch --speed ${bad})
  expect_contains("${last_err}" "--speed: expected Nx" "--speed ${bad}")
endforeach()

# --threads N: byte-identical reports on 1 and 2 threads for a strategy whose trades depend on
# an nt.dtw.batch and a Monte Carlo nt.risk.var that both run on oneTBB; a bad N is a usage error.
foreach(cmd run test exec)
  expect_run(0 ${cmd} --help)
  expect_contains("${last_out}" "--threads" "ntrun ${cmd} --help")
endforeach()
foreach(bad -1 abc 1.5)
  expect_run(2 run examples/sma_cross --threads ${bad})
  expect_contains("${last_err}" "--threads: expected a whole number of threads" "--threads ${bad}")
endforeach()
expect_run(0 run tests/lua/fixtures/determinism --threads 1 --json ${WORK}/threads1.json -q)
expect_run(0 run tests/lua/fixtures/determinism --threads 2 --json ${WORK}/threads2.json -q)
file(READ ${WORK}/threads1.json one)
file(READ ${WORK}/threads2.json two)
if(NOT one STREQUAL two)
  message(FATAL_ERROR "--threads 1 and --threads 2 gave different JSON reports: "
                      "diff ${WORK}/threads1.json ${WORK}/threads2.json")
endif()
string(JSON ntrades LENGTH "${one}" trades)
if(ntrades LESS 20)
  message(FATAL_ERROR "the determinism fixture made ${ntrades} trades, expected at least 20")
endif()

# Runtime failures exit 1 with a clear message.
expect_run(1 run ${WORK}/no_such_bundle)
expect_contains("${last_err}" "bundle.lua" "missing bundle")
file(MAKE_DIRECTORY ${WORK}/broken)
file(WRITE ${WORK}/broken/bundle.lua "return { strategy = 'strategy.lua', data = { { file = '${SRC}/examples/data/sp500_index_ohlcv_daily_2000_2020.csv', symbol = 'SPX' } } }\n")
file(WRITE ${WORK}/broken/strategy.lua "function on_bar(ctx, bar)\n  if bar.close > 0 then\n    local t = nil\n    return t.x\n  end\nend\n")
expect_run(1 run ${WORK}/broken --json ${WORK}/broken.json)
expect_contains("${last_err}" "strategy.lua:4:" "Lua error location")
expect_contains("${last_err}" "stack traceback" "Lua traceback")
expect_contains("${last_out}" "stopped" "report of a stopped run")
file(READ ${WORK}/broken.json broken)
string(JSON status GET "${broken}" status)
expect_contains("${status}" "stopped" "JSON status of a stopped run")

# Bad CSV rows: clear error with file:line, or counted with --skip-bad-rows.
file(MAKE_DIRECTORY ${WORK}/badcsv)
file(WRITE ${WORK}/badcsv/bars.csv "date,open,high,low,close,volume\n2020-01-02,10,11,9,10.5,100\n2020-01-03,10,9,11,10.5,100\n2020-01-06,10,11,9,10.5,100\n")
file(WRITE ${WORK}/badcsv/bundle.lua "return { strategy = 'strategy.lua', data = { { file = 'bars.csv', symbol = 'X' } } }\n")
file(WRITE ${WORK}/badcsv/strategy.lua "function on_bar(ctx, bar) end\n")
expect_run(1 run ${WORK}/badcsv)
expect_contains("${last_err}" "bars.csv:3" "bad row location")
expect_run(0 run ${WORK}/badcsv --skip-bad-rows)

# Trusted scripts see the whole library and their arguments.
file(WRITE ${WORK}/script.lua "local nt = require 'nt'\nlocal a = nt.array({1, 2, 3})\nassert(a:sum() == 6)\nprint('args', ...)\n")
expect_run(0 exec ${WORK}/script.lua x y)
expect_contains("${last_out}" "args\tx\ty" "exec arguments")
expect_run(0 test tests/lua/json_spec.lua --threads 2)
expect_run(0 exec --threads 1 ${WORK}/script.lua x y)
expect_contains("${last_out}" "args\tx\ty" "exec --threads 1 arguments")
file(WRITE ${WORK}/fail.lua "error('boom')\n")
expect_run(1 exec ${WORK}/fail.lua)
expect_contains("${last_err}" "fail.lua:1: boom" "exec error")

# SIGINT and SIGTERM stop the run between two events: on_stop runs, the report so far is
# printed and written with status "interrupted", exit 130. timeout(1) sends its signal to the
# process and again to its group: the second, at once, must not cost the report.
find_program(TIMEOUT timeout REQUIRED)
foreach(sig INT TERM)
  execute_process(COMMAND ${TIMEOUT} --preserve-status -s ${sig} 1
                          ${NTRUN} run tests/lua/fixtures/slow --json ${WORK}/interrupted.json
                  WORKING_DIRECTORY ${SRC} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 130)
    message(FATAL_ERROR "SIG${sig}: exit ${rc}, expected 130\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  expect_contains("${out}" "Status    interrupted" "SIG${sig}: the report table")
  expect_contains("${err}" "on_stop ran after" "SIG${sig}: on_stop")
  file(READ ${WORK}/interrupted.json j)
  string(JSON status GET "${j}" status)
  if(NOT status STREQUAL "interrupted")
    message(FATAL_ERROR "SIG${sig}: JSON status '${status}', expected 'interrupted'")
  endif()
  string(JSON bars GET "${j}" data bars)
  if(bars LESS 1 OR bars GREATER_EQUAL 5105)
    message(FATAL_ERROR "SIG${sig}: ${bars} bars, expected a run stopped part-way")
  endif()
  string(JSON warning GET "${j}" warnings 0)
  expect_contains("${warning}" "interrupted at " "SIG${sig}: the warning")
endforeach()

# SIGUSR1 prints a status line between two events and the run goes on (then a stop).
find_program(SH sh REQUIRED)
execute_process(COMMAND ${SH} -c "${NTRUN} run tests/lua/fixtures/slow -q & p=$!; sleep 1; kill -USR1 $p; sleep 0.5; kill -INT $p; wait $p"
                WORKING_DIRECTORY ${SRC} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 130)
  message(FATAL_ERROR "SIGUSR1 then SIGINT: exit ${rc}, expected 130\nstdout:\n${out}\nstderr:\n${err}")
endif()
expect_contains("${err}" "ntrun: status at " "SIGUSR1: the status line")
expect_contains("${err}" " bars/s" "SIGUSR1: the pace")
expect_contains("${out}" "Status    interrupted" "SIGUSR1: the run went on until the stop")

# Usage errors found before the run (exit 2), each naming the option and what it expects.
expect_run(2 run examples/sma_cross --from 2020-01-01 --to 2019-01-01)
expect_contains("${last_err}" "--from 2020-01-01 is after --to 2019-01-01" "--from after --to")
expect_run(2 run examples/sma_cross --from 2020-13-01)
expect_contains("${last_err}" "--from: expected a date YYYY-MM-DD" "a bad --from")
foreach(bad 0 -5 nan inf 1e999 abc)
  expect_run(2 run examples/sma_cross --capital ${bad})
  expect_contains("${last_err}" "--capital: expected a positive amount, got '${bad}'" "--capital ${bad}")
endforeach()
foreach(bad -1 18446744073709551616 1.5)
  expect_run(2 run examples/sma_cross --seed ${bad})
  expect_contains("${last_err}" "--seed: expected a whole number" "--seed ${bad}")
endforeach()
expect_run(2 run examples/sma_cross --json --no-progress)
expect_contains("${last_err}" "--json: expected a file name, got '--no-progress' (an option?" "--json --no-progress")
expect_run(2 run examples/sma_cross --json "")
expect_contains("${last_err}" "--json" "--json ''")
expect_run(2 run examples/sma_cross --json ${WORK}/no_such_folder/r.json)
expect_contains("${last_err}" "folder '${WORK}/no_such_folder' does not exist" "--json in a missing folder")
expect_run(2 run examples/sma_cross/strategy.lua)
expect_contains("${last_err}" "is a file; give the bundle's folder (examples/sma_cross)" "a strategy file as bundle")

# A range with no data completes with a warning that says so.
expect_run(0 run examples/sma_cross --from 1990-01-01 --to 1990-12-31 --json ${WORK}/empty.json -q)
file(READ ${WORK}/empty.json j)
string(JSON warning GET "${j}" warnings 0)
expect_contains("${warning}" "no bars were replayed: the data has none between 1990-01-01 and 1990-12-31" "no data")

# The JSON written after a strategy error holds the error and its traceback.
expect_run(1 run tests/lua/fixtures/err_on_bar --json ${WORK}/err.json -q)
file(READ ${WORK}/err.json j)
string(JSON error GET "${j}" errors 0)
expect_contains("${error}" "strategy.lua:10: boom on 2024-01-03" "errors[0] of the JSON")
expect_contains("${error}" "stack traceback" "errors[0] of the JSON")


# Writing a global that is not a callback warns once per name, with file:line.
expect_run(0 run tests/lua/fixtures/strict/global_write -q)
expect_contains("${last_err}" "strategy.lua:2: global 'count' written: use a local" "global write warning")
expect_contains("${last_err}" "strategy.lua:6: global 'last_close' written" "global write warning")
string(REGEX MATCHALL "global 'count' written" hits "${last_err}")
list(LENGTH hits n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "global write: ${n} warnings for 'count', expected one")
endif()

# Cash below zero in an account without margin: a warning in the printed report and the JSON.
expect_run(0 run tests/lua/fixtures/limits/cash_account --json ${WORK}/cash.json)
expect_contains("${last_out}" "cash went below zero on 2024-01-02 (lowest -1525.00)" "cash warning")
file(READ ${WORK}/cash.json j)
string(JSON warning GET "${j}" warnings 0)
expect_contains("${warning}" "without margin (max_leverage 0: no buying-power check)" "cash warning")

message(STATUS "e2e cli: all checks passed")

# Brackets from the CLI: the trades CSV and JSON say which exit closed each trade, the
# position still held at the end is listed (examples/sp500_breakout).
expect_run(0 run examples/sp500_breakout --trades-csv ${WORK}/bo_trades.csv --json ${WORK}/bo.json -q)
expect_contains("${last_out}" "Open positions at the end (1)" "breakout: open position in the table")
file(READ ${WORK}/bo_trades.csv bo_csv)
expect_contains("${bo_csv}" ",return,exit_reason,entry_tag,exit_tag\n" "trades CSV header")
expect_contains("${bo_csv}" ",trailing_stop," "trades CSV: a trailing-stop exit")
expect_contains("${bo_csv}" ",take_profit," "trades CSV: a take-profit exit")
file(READ ${WORK}/bo.json bo_json)
string(JSON bo_reason GET "${bo_json}" trades 0 exit_reason)
if(NOT bo_reason MATCHES "^(trailing_stop|take_profit)$")
  message(FATAL_ERROR "breakout: first trade's exit_reason is '${bo_reason}'")
endif()
string(JSON bo_open LENGTH "${bo_json}" open_positions)
if(NOT bo_open EQUAL 1)
  message(FATAL_ERROR "breakout: ${bo_open} open positions in the JSON, expected 1")
endif()

# A FIFO (or a folder) as a data file is refused by its kind, never opened: an open would wait
# for a writer forever.
find_program(MKFIFO mkfifo REQUIRED)
file(MAKE_DIRECTORY ${WORK}/fifo)
execute_process(COMMAND ${MKFIFO} ${WORK}/fifo/bars.csv)
file(WRITE ${WORK}/fifo/bundle.lua "return { strategy = 'strategy.lua', data = { { file = 'bars.csv', symbol = 'X' } } }\n")
file(WRITE ${WORK}/fifo/strategy.lua "function on_bar() end\n")
execute_process(COMMAND ${TIMEOUT} 20 ${NTRUN} run ${WORK}/fifo WORKING_DIRECTORY ${SRC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "a FIFO as data: exit ${rc}, expected 1 (124: it blocked)\n${err}")
endif()
expect_contains("${err}" "is not a regular file (a FIFO, device or socket)" "a FIFO as data")
expect_run(1 run examples/sma_cross --data ${WORK}/fifo)
expect_contains("${last_err}" "is a folder, not a file" "a folder as --data")
