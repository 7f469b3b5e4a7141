-- Each request asks for the next path of a list (a file, one path a line, named after
-- "--" on wrk's command line), so a run spreads over many pages instead of one URL the
-- cache serves. Headers (HX-Request, Cookie) come from wrk's -H options.
dofile("bench/wrk/report.lua")

local paths = {}
local position = 1
local threads = 0

function setup(thread)
  -- every thread starts at a different place in the list
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  file:close()
  assert(#paths > 0, "no paths in " .. args[1])
  position = (offset * 7919) % #paths + 1
end

function request()
  local path = paths[position]
  position = position % #paths + 1
  return wrk.format(nil, path)
end
