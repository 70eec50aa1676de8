package handler

import (
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// basisPicker is the catalogue of criteria beside a hazard's confirm form: the
// clauses of the standards for its industry (or those holding the words
// searched for, ?clause_q=), as a select the form posts (basis_pick =
// "id|ref"), the search's matches in full and the clauses suggested from the
// hazard's title and description, each with a link that preselects it.
type basisPicker struct {
	Q       string
	Groups  []pickGroup
	Matches []pickClause // the search's matches, in full (Q given)
	Suggest []pickClause
	Titles  []string // the catalogue's titles, for the free-text input
}

type pickGroup struct {
	Label   string
	Options []pickClause
}

type pickClause struct {
	Value, Label, Title, Ref, Heading, Text string
	Score                                   float64
	Href                                    string // the hazard page with this clause preselected
}

const pickMatchLimit = 30

func (u *ui) picker(c *gin.Context, d workflow.HazardDetail) (*basisPicker, error) {
	ctx, a := c.Request.Context(), actor(c)
	p := &basisPicker{Q: c.Query("clause_q")}
	q := workflow.StandardQuery{Q: p.Q}
	if p.Q == "" {
		q.Industry = d.Industry
	}
	list, err := u.s.standards.List(ctx, a, q)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 && p.Q == "" {
		// No standard is for this industry: offer the whole catalogue.
		if list, err = u.s.standards.List(ctx, a, workflow.StandardQuery{}); err != nil {
			return nil, err
		}
	}
	all, err := u.s.standards.List(ctx, a, workflow.StandardQuery{})
	if err != nil {
		return nil, err
	}
	for _, s := range all {
		p.Titles = append(p.Titles, s.Citation())
	}
	href := func(id, ref string) string {
		v := url.Values{"pick": {id + "|" + ref}}
		if p.Q != "" {
			v.Set("clause_q", p.Q)
		}
		return "/hazards/" + strconv.FormatInt(d.ID, 10) + "?" + v.Encode() + "#ev-confirm"
	}
	for _, s := range list {
		g := pickGroup{Label: s.Citation()}
		for _, cl := range s.Clauses {
			pc := pickClause{Value: s.ID + "|" + cl.Ref, Label: shorten(cl.Label(), 40), Title: s.Citation(), Ref: cl.Ref,
				Heading: cl.Heading, Text: cl.Text, Href: href(s.ID, cl.Ref)}
			g.Options = append(g.Options, pc)
			if p.Q != "" && len(p.Matches) < pickMatchLimit {
				p.Matches = append(p.Matches, pc)
			}
		}
		p.Groups = append(p.Groups, g)
	}
	sug, err := u.s.hazards.SuggestClauses(ctx, a, d.ID)
	if err != nil {
		return nil, err
	}
	for _, s := range sug {
		p.Suggest = append(p.Suggest, pickClause{Value: s.StandardID + "|" + s.Ref, Title: "《" + s.Title + "》", Ref: s.Ref,
			Heading: s.Heading, Text: s.Text, Score: s.Score, Href: href(s.StandardID, s.Ref)})
	}
	return p, nil
}

// shorten cuts s to n characters, with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
