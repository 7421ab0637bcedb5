package server

import (
	"net/http"
	"strconv"
	"time"

	"newswire/internal/export"
)

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	if err := export.Write(r.Context(), s.st, s.cfg.Authority(), w); err != nil {
		s.log.Warn("export interrupted", "error", err)
	}
}

func (s *Server) handleBackup(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="newswire-`+time.Now().UTC().Format("20060102T150405Z")+`.db"`)
	n, err := s.st.Backup(w)
	if err != nil {
		s.log.Error("backup failed", "error", err, "bytes", n)
		return
	}
	s.log.Info("backup served", "bytes", strconv.FormatInt(n, 10))
}
