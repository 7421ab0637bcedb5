// Package notice words what newswire tells an admin about a source: the
// warnings of its polls, why its next poll is when it is, why its items
// were dropped. A notice is a code and its arguments; the package words it
// in English, the words the log, `newswire fetch` and /api/status carry
// (tools read them: they do not change), and in Vietnamese, as the status
// page shows it to the newsroom.
//
// It owns the codes and their wording in both languages. It does not decide
// when a notice is given (the poller and the scraper do), nor which language
// a page is in (the server does).
package notice

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Notice is one thing said about a source, as a code and its arguments.
type Notice struct {
	Code string   `json:"code"`
	Args []string `json:"args,omitempty"`
}

// New is the notice of code with args, each written as fmt.Sprint does.
func New(code string, args ...any) Notice {
	n := Notice{Code: code, Args: make([]string, len(args))}
	for i, a := range args {
		n.Args[i] = fmt.Sprint(a)
	}
	return n
}

// Known reports whether this build words n's code: a state written by a
// later one may hold others.
func (n Notice) Known() bool {
	_, ok := wordings[n.Code]
	return ok
}

// Text is n in lang, "vi" or else English. A code this build does not know
// is its code and arguments.
func (n Notice) Text(lang string) string {
	w, ok := wordings[n.Code]
	if !ok {
		return strings.TrimSpace(n.Code + " " + strings.Join(n.Args, " "))
	}
	if lang == "vi" {
		return w.vi(args(n.Args))
	}
	return w.en(args(n.Args))
}

// English is notices in English, one after another as the poller has
// always given its warning: "; " between them.
func English(notices []Notice) string {
	return strings.Join(Texts(notices, "en"), "; ")
}

// Texts is each of notices in lang.
func Texts(notices []Notice, lang string) []string {
	if len(notices) == 0 {
		return nil
	}
	out := make([]string, len(notices))
	for i, n := range notices {
		out[i] = n.Text(lang)
	}
	return out
}

// AllKnown reports whether this build words every one of notices.
func AllKnown(notices []Notice) bool {
	for _, n := range notices {
		if !n.Known() {
			return false
		}
	}
	return true
}

// Equal reports whether a and b say the same, in the same order.
func Equal(a, b []Notice) bool {
	return slices.EqualFunc(a, b, func(x, y Notice) bool {
		return x.Code == y.Code && slices.Equal(x.Args, y.Args)
	})
}

// args are a notice's arguments as its wording reads them: one that is
// missing (a notice of another build) reads as "" or 0, never a panic.
type args []string

func (a args) s(i int) string {
	if i < len(a) {
		return a[i]
	}
	return ""
}

func (a args) n(i int) int {
	n, _ := strconv.Atoi(a.s(i))
	return n
}

// q quotes argument i as Go does (%q): the English wording's quotes.
func (a args) q(i int) string { return strconv.Quote(a.s(i)) }

// vq quotes argument i with the quotation marks Vietnamese text uses.
func (a args) vq(i int) string { return "“" + a.s(i) + "”" }

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
