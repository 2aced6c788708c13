-- bench/http/lanes.sh: phrase searches of common words (25-56 ms each at 100k cards).
local phrases = {"%22the%20model%22", "%22https%20huggingface%22", "%22this%20model%22",
                 "%22model%20card%22", "%22language%20model%22"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/search?q=" .. phrases[(i % #phrases) + 1] .. "&limit=10")
end
