package outcomes

import "path/filepath"

// OwnSnapTemp is the name a snapshot write of this process would give its
// temporary file for the agency in dir, for the tests of unfinished files.
func OwnSnapTemp(dir string, agencyID int64) string {
	return filepath.Join(dir, filepath.Base(snapFileName(dir, agencyID))+"."+processToken+".42.tmp")
}
