-- bench/http/lanes.sh: plain one-word searches with four facet counts, in turn.
local words = {"translation", "bert", "model", "dataset", "classification", "speech", "german",
               "summarization", "llama", "vision"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/search?q=" .. words[(i % #words) + 1] ..
                    "&limit=10&facets=type,task,language,license")
end
