-- site/links.lua: a pandoc filter for the handouts. Links the first use on a page of
-- each glossary term to glossary.html, and each `function()` the reference documents to
-- reference.html; headings and quotations ("SDM titles") are left alone. Points the
-- handouts' links to diagrams and other handouts at their pages on the site. The table of terms and
-- names comes from build.py (the file named by HVLABS_SITE_LINKS).

local table_file = os.getenv("HVLABS_SITE_LINKS")
local T = table_file and dofile(table_file) or { terms = {}, names = {} }
local seen = {}

-- Splits "(word)," into "(", "word", "),".
local function split_punct(s)
  local pre, core, post = s:match("^([%(%[\"']*)(.-)([%)%]%.,;:!?\"']*)$")
  return pre or "", core or s, post or ""
end

-- Does the phrase `words` start at inlines[i]? Returns the index of its last Str.
local function match_at(inlines, i, words)
  local j = i
  for k, w in ipairs(words) do
    local el = inlines[j]
    if not el or el.t ~= "Str" then return nil end
    local pre, core, post = split_punct(el.text)
    -- Acronyms (VMXON, VMCS) match exactly; other words in any case ("Guest", "guest").
    if w == w:upper() then
      if core ~= w then return nil end
    elseif core:lower() ~= w:lower() then
      return nil
    end
    if k > 1 and pre ~= "" then return nil end
    if k < #words then
      if post ~= "" then return nil end
      if not inlines[j + 1] or inlines[j + 1].t ~= "Space" then return nil end
      j = j + 2
    end
  end
  return j
end

-- Is the text before inlines[i] inside a "quotation" (an SDM title, say)? Counts quotes.
local function quoted(inlines, i)
  local n = 0
  for k = 1, i - 1 do
    if inlines[k].t == "Str" then
      local _, c = inlines[k].text:gsub('"', "")
      n = n + c
    end
  end
  return n % 2 == 1 or inlines[i].text:sub(1, 1) == '"'
end

local function link_phrase(inlines)
  local out = pandoc.List()
  local i = 1
  while i <= #inlines do
    local el = inlines[i]
    local done = false
    if el.t == "Str" and not quoted(inlines, i) then
      for _, t in ipairs(T.terms) do
        if not seen[t.key] then
          local last = match_at(inlines, i, t.words)
          if last then
            local pre = split_punct(inlines[i].text)
            local _, _, post = split_punct(inlines[last].text)
            local _, first_core = split_punct(inlines[i].text)
            local _, last_core = split_punct(inlines[last].text)
            local content = pandoc.List()
            for k = i, last do
              local e = inlines[k]
              if k == i or k == last then
                local txt = (k == i) and first_core or last_core
                if k == i and k == last then txt = first_core end
                content:insert(pandoc.Str(txt))
              else
                content:insert(e)
              end
            end
            if pre ~= "" then out:insert(pandoc.Str(pre)) end
            out:insert(pandoc.Link(content, t.href, "glossary", pandoc.Attr("", { "gloss" })))
            if post ~= "" then out:insert(pandoc.Str(post)) end
            seen[t.key] = true
            i = last + 1
            done = true
            break
          end
        end
      end
    elseif el.t == "Code" then
      local name = el.text:gsub("%(%)$", "")
      local href = T.names[name]
      if href and not seen["fn:" .. name] then
        seen["fn:" .. name] = true
        out:insert(pandoc.Link({ el }, href, "reference", pandoc.Attr("", { "ref" })))
        i = i + 1
        done = true
      end
    end
    if not done then
      out:insert(el)
      i = i + 1
    end
  end
  return out
end

-- A handout's links into the repository, as the site has them: a diagram
-- (slides/diagrams/NAME.svg, built by make slides) and another lab's handout
-- (labs/NN-name/README.md). Any other relative path stays, and site-check reports it.
local function site_target(t)
  if t:match("^%a[%w+.-]*:") or t:match("^#") then return t end
  local svg = t:match("slides/diagrams/([%w_.-]+)%.dot$") or t:match("slides/diagrams/([%w_.-]+)%.svg$")
    or t:match("^diagrams/([%w_.-]+)%.svg$")
  if svg then return "slides/diagrams/" .. svg .. ".svg" end
  local lab, frag = t:match("(%d%d%-[%w_-]+)/README%.md(#?.*)$")
  if lab then return "lab-" .. lab .. ".html" .. frag end
  if t:match("^README%.md#") then return t:gsub("^README%.md", "") end
  return t
end

local function walk_block(b)
  b = b:walk({
    Image = function(img) img.src = site_target(img.src); return img end,
    Link = function(l) l.target = site_target(l.target); return l end,
  })
  if b.t == "Header" then return b end
  -- The text of an existing link gets no link inside it: set aside while linking.
  local aside = {}
  b = b:walk({ Link = function(l)
    aside[#aside + 1] = l.content
    l.attributes["data-aside"] = tostring(#aside)
    l.content = {}
    return l
  end })
  b = b:walk({ Inlines = link_phrase })
  return b:walk({ Link = function(l)
    local k = l.attributes["data-aside"]
    if k then
      l.content = aside[tonumber(k)]
      l.attributes["data-aside"] = nil
    end
    return l
  end })
end

function Pandoc(doc)
  local blocks = pandoc.List()
  for _, b in ipairs(doc.blocks) do blocks:insert(walk_block(b)) end
  doc.blocks = blocks
  return doc
end
