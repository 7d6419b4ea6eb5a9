-- site/links.lua: a pandoc filter for the handouts. Links the first use on a page of
-- each glossary term to glossary.html, and each `function()` the reference documents to
-- reference.html. Headings and existing links are left alone. The table of terms and
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

local function link_phrase(inlines)
  local out = pandoc.List()
  local i = 1
  while i <= #inlines do
    local el = inlines[i]
    local done = false
    if el.t == "Str" then
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

local function walk_block(b)
  if b.t == "Header" then return b end
  return b:walk({ Inlines = link_phrase })
end

function Pandoc(doc)
  local blocks = pandoc.List()
  for _, b in ipairs(doc.blocks) do blocks:insert(walk_block(b)) end
  doc.blocks = blocks
  return doc
end
